"""The write path of loan cases: the only code that writes a case, its audit
rows (transitions, deadline changes, contact corrections, access log) and its
number sequence. Everything else calls these functions. (The reachability
flags, written by sending, are the one exception: cases.reachability.)

    transitions.py  case_create, case_transition, cases_hold/cases_resume, cases_import_with_history
    intake.py       case_open (the form, the API), import_check/import_run (a file of cases)
    deadlines.py    calendar_year_save, calendar_recompute_pending, case_deadlines_recompute
    contacts.py     case_correct_contact, case_unmask, case_resend_status_link, case_search_log
    retention.py    closed_cases_anonymise (PIPL: personal data out of cases closed long ago)
"""

from cases.services.contacts import (
    case_correct_contact,
    case_resend_status_link,
    case_search_log,
    case_unmask,
    normalize_contact,
)
from cases.services.deadlines import (
    RECOMPUTE_TASK,
    Recomputed,
    calendar_recompute_pending,
    calendar_year_save,
    case_deadlines_recompute,
)
from cases.services.intake import case_open, import_check, import_run, imports_forget_unimported
from cases.services.retention import Anonymised, closed_cases_anonymise, retention_days
from cases.services.transitions import (
    BulkResult,
    TransitionRefused,
    allocate_case_numbers,
    available_transitions,
    case_create,
    case_transition,
    cases_hold,
    cases_import_with_history,
    cases_resume,
    check_transition,
)

__all__ = [
    "RECOMPUTE_TASK",
    "Anonymised",
    "BulkResult",
    "Recomputed",
    "TransitionRefused",
    "allocate_case_numbers",
    "available_transitions",
    "calendar_recompute_pending",
    "calendar_year_save",
    "case_correct_contact",
    "case_create",
    "case_deadlines_recompute",
    "case_open",
    "case_search_log",
    "import_check",
    "import_run",
    "imports_forget_unimported",
    "case_resend_status_link",
    "case_transition",
    "case_unmask",
    "cases_hold",
    "cases_import_with_history",
    "cases_resume",
    "check_transition",
    "closed_cases_anonymise",
    "normalize_contact",
    "retention_days",
]
