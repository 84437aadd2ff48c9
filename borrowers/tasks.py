"""django-q2 entry points of the borrower pages. Thin."""

from borrowers import services


def send_found_link(case_number, digest):
    return services.link_request(case_number=case_number, digest=digest)
