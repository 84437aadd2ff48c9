from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from cases import selectors
from cases.models import LoanCase


@login_required
def home(request):
    return render(request, "cases/home.html")


@login_required
def case_detail(request, number):
    try:
        case = selectors.case_get_for_user(request.user, number)
    except LoanCase.DoesNotExist:
        raise Http404
    history = selectors.case_history(case)
    return render(request, "cases/detail.html", {"case": case, "history": history})
