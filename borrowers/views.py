from django.http import Http404


def enter(request, token):
    # The status page is built in the borrower status page issue.
    raise Http404
