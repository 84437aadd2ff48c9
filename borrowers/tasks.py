"""django-q2 entry points of the borrower pages. Thin."""

from borrowers import services


def send_found_link(case_number, digest):
    # Nothing returned: django-q2 keeps a task's result in its table, and
    # whether a case number and a phone matched is not for the admin to read.
    services.link_request(case_number=case_number, digest=digest)
