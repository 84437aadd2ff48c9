"""Roles are Django groups with fixed permissions, kept in step after migrate."""

from django.contrib.auth.models import Group, Permission

from cases.models import Role

OFFICER_PERMS = [
    "sign_loancase",
    "start_review_loancase",
    "request_documents_loancase",
    "receive_documents_loancase",
    "start_registration_loancase",
    "withdraw_loancase",
    "view_loancase",
    "add_loancase",
    "correct_contact_loancase",
]
# Approval authority, policy holds and disbursement sit with supervisors.
SUPERVISOR_PERMS = OFFICER_PERMS + [
    "approve_loancase",
    "reject_loancase",
    "disburse_loancase",
    "hold_loancase",
    "resume_loancase",
    "unmask_loancase",
]
# Head office also keeps the business calendar (the State Council's schedule).
HEAD_OFFICE_PERMS = SUPERVISOR_PERMS + ["maintain_businessyear", "view_businessyear", "import_loancase"]

# A calling system may be let open cases, fire transitions and correct
# contacts (each API client is narrowed further); it never unmasks data.
SYSTEM_PERMS = [name for name in SUPERVISOR_PERMS if name != "unmask_loancase"]

ROLE_PERMISSIONS = {
    Role.OFFICER: OFFICER_PERMS,
    Role.SUPERVISOR: SUPERVISOR_PERMS,
    Role.HEAD_OFFICE: HEAD_OFFICE_PERMS,
    Role.SYSTEM: SYSTEM_PERMS,
}


def sync_roles(extra=None):
    """Create the role groups and give each exactly its permissions.

    `extra` maps role -> list of "app_label.codename" from other apps."""
    extra = extra or {}
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = list(Permission.objects.filter(content_type__app_label="cases", codename__in=codenames))
        for label in extra.get(role, []):
            app_label, codename = label.split(".")
            perms += list(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)
