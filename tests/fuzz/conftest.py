"""The fuzz suite's common ground: one bank (a branch, staff in every role, a
case with a failed notice, a task, a question, a checked import), the
Hypothesis settings, the text strategies, and the check every fuzzed
request must pass: no answer is a 5xx, and an answer that refuses the input
(a 4xx, or a form shown again with its errors) wrote nothing."""

import datetime
import re

import pytest
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_filters import FilterSet
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from borrowers import services as borrower_services
from cases import importing
from cases import services as case_services
from notifications import links
from notifications.models import Channel, NotificationStatus
from tests.base import MONDAY, drive_to
from tests.dashboards.helpers import make_notice, make_task

# Small and reproducible for CI: the same examples on every run
# (derandomize), no example database, no deadline (a first request
# compiles templates and warms caches).
FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
FEW = settings(FUZZ, max_examples=15)
TINY = settings(FUZZ, max_examples=6)

# Text a person could type: any printable character (Chinese, emoji,
# full-width digits, RTL marks...) but never NUL (PostgreSQL refuses it; the
# NUL tests send it on purpose) nor a lone surrogate (not encodable as UTF-8,
# so no browser can send one).
TYPED = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
text = st.text(TYPED, max_size=60)
long_text = st.text(TYPED, min_size=2000, max_size=5000)
odd_numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", "0", "-1", "1e9", "NaN", "inf", "٣", "１", "1.5", " 2 ", "0x10", "9" * 40]),
)
odd_dates = st.one_of(
    st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(str),
    st.sampled_from(["2026-02-30", "2026-13-01", "0000-00-00", "99999-01-01", "2026/03/02", "昨天", "-1", ""]),
)
# Any value a list parameter can be given: typed text, numbers, dates,
# very long strings. NUL is added where the point is to test it.
any_value = st.one_of(text, odd_numbers, odd_dates, long_text)
with_nul = st.builds(lambda a, b: f"{a}\x00{b}", text, text)

# Tables whose rows are written whatever the input, by design, and so not
# part of "nothing written": the session (SESSION_SAVE_EVERY_REQUEST), and
# the failed-login records of django-axes (a wrong password is counted).
WRITTEN_ANYWAY = {"django_session", "axes_accessattempt", "axes_accessfailurelog", "axes_accesslog"}


def table_counts():
    """The row count of every table of every installed model, in one query."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
        - WRITTEN_ANYWAY
    )
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone()))


_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)


class WriteRecorder:
    """Every INSERT, UPDATE and DELETE a request runs, by table: row counts
    alone would miss an UPDATE (a status, a flag, a timestamp)."""

    def __init__(self):
        self.tables = []

    def __call__(self, execute, sql, params, many, context):
        match = _WRITE.match(sql)
        if match and match.group(1) not in WRITTEN_ANYWAY:
            self.tables.append(match.group(1))
        return execute(sql, params, many, context)


def _form_errors(response):
    """The errors of any bound form (or filter form) the page was rendered with."""
    errors = []
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else []:
            form = value.form if isinstance(value, FilterSet) else value
            if isinstance(form, forms.BaseForm) and form.is_bound and form.errors:
                errors.append(form.errors)
    return errors


def refused(response) -> bool:
    return response.status_code >= 400 or bool(_form_errors(response))


# How many requests the suite checked, for the summary line.
CHECKED = {"requests": 0, "refused": 0}


def pytest_terminal_summary(terminalreporter):
    if CHECKED["requests"]:
        terminalreporter.write_line(
            f"fuzz: {CHECKED['requests']} requests checked, {CHECKED['refused']} of them refused (4xx or form errors)"
        )


class Checked:
    """Runs one request and checks it: never a 5xx; refused means nothing written."""

    def __call__(self, send, *, extra_state=None):
        # Rate limits live in the cache: each example starts from zero, so
        # the fuzzer reaches the form, not only the limit's 429.
        cache.clear()
        before = table_counts(), extra_state() if extra_state else None
        writes = WriteRecorder()
        with connection.execute_wrapper(writes):
            response = send()
        CHECKED["requests"] += 1
        assert response.status_code < 500, (response.status_code, response.content[:500])
        if refused(response):
            CHECKED["refused"] += 1
            after = table_counts(), extra_state() if extra_state else None
            assert after == before, (response.status_code, _form_errors(response), response.content[:300])
            assert writes.tables == [], (response.status_code, writes.tables, response.content[:300])
        return response


@pytest.fixture
def check():
    return Checked()


@pytest.fixture
def world(people, branch_a, branch_b, supervisor, officer, head_office):
    """One of everything the pages show, for the URLs that name a record."""
    User = get_user_model()
    case = case_services.case_create(
        branch=branch_a,
        officer=officer,
        at=MONDAY,
        borrower_name="张三",
        borrower_id_number="11010519491231002X",
        borrower_phone="13812345678",
        borrower_email="zhangsan@example.com",
        property_address="北京市朝阳区建国路1号",
        loan_amount="1200000.00",
    )
    drive_to(case, "under_review", people)
    notice = make_notice(case, status=NotificationStatus.FAILED, channel=Channel.SMS)
    task = make_task(case, assigned_to=officer)
    question, _created = borrower_services.question_ask(
        case=case, text="什么时候放款？", callback_time="任何时间", submission="7f9c7c8e-2f37-4b0b-9c39-0d0d6f2a0001"
    )
    content = (
        "外部编号,支行代码,客户经理,借款人姓名,身份证号,手机号,邮箱,房产地址,贷款金额\r\n"
        "LOS-000001,A,officer,李四,110105196001010017,13800000001,,北京市朝阳区建国路2号,800000.00\r\n"
    ).encode()
    case_import = case_services.import_check(
        actor=head_office, rows=importing.read_rows(content, "cases.csv"), file_name="cases.csv"
    )
    admin = User.objects.create_superuser("root", "root@bank.example", "root-pass-2026")
    link, token = links.link_issue(case)
    return {
        "case": case, "notice": notice, "task": task, "question": question, "import": case_import,
        "admin": admin, "token": token, "people": people,
    }


def client_for(user):
    client = Client()
    client.force_login(user)
    return client
