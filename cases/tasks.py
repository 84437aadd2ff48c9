"""django-q2 entry points of the cases app. Thin: each calls one service."""

from cases import services


def recompute_provisional_deadlines():
    result = services.case_deadlines_recompute()
    return f"checked {result.checked}, later {result.later}, earlier {result.earlier}, same day {result.same_day}"
