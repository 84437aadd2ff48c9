"""Which URL names the fuzz suite covers, and which it leaves out and why.

A fuzz test says what it covers with @covers("cases:search", ...);
tests/fuzz/test_coverage.py walks the URLconf and fails for any URL that is
neither covered nor excluded here, so a new URL needs a fuzz entry (or a
reason) before it is merged.
"""

# URL names (or "route:<pattern>" for unnamed URLs) left out, with the reason.
EXCLUDED = {
    "route:admin/(?P<url>.*)$": "the admin's catch-all: any admin path it does not know is a 404 (fuzzed in "
    "test_admin's NUL and unknown-path checks)",
}

ADMIN_OBJECT_PAGES = (
    "Django admin object pages (add, change, delete, history, and the unnamed <object_id>/ redirect): "
    "Django's ModelForms over the models' own fields, for administrators only; test_admin fuzzes every "
    "changelist (search, filters, ordering, paging), the add form of every model admin, and the one admin "
    "form whose input is code (message templates)"
)


def excluded(key):
    """The reason `key` is left out of the fuzz suite, or None."""
    if key in EXCLUDED:
        return EXCLUDED[key]
    if key.startswith("admin:") and key.endswith(("_change", "_delete", "_history")) and key not in ADMIN_OWN:
        return ADMIN_OBJECT_PAGES
    if key.startswith("route:admin/") and key.endswith("<path:object_id>/"):
        return ADMIN_OBJECT_PAGES
    return None

# The admin's own pages (not a model's): covered by test_admin.test_admin_own_pages.
ADMIN_OWN = [
    "admin:index",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
    "admin:app_list",
]

# The integration API is fuzzed by schemathesis (tests/api/test_schema_fuzz.py,
# every operation of the served schema, valid and invalid requests): not
# duplicated here. test_api's NUL check covers the problem document the NUL
# middleware answers under /api/.
API_BY_SCHEMATHESIS = ["api:cases", "api:case", "api:case_transition", "api:case_contact", "api:schema", "api:docs",
                       "api:not_found"]


def covers(*names):
    """Mark a test as the fuzz entry of these URL names."""

    def mark(test):
        test.fuzz_covers = tuple(getattr(test, "fuzz_covers", ())) + names
        return test

    return mark
