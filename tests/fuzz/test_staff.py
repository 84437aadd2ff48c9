"""The staff pages: every form (transition, task outcome, contact
correction, notice handled / retry, bulk hold and resume, new case, import
upload and run, calendar edit, search) and every list's query parameters
(page, per_page, sort, filters, dates, very long strings, unicode). Each is
fuzzed as the role that uses it; a NUL is the NUL tests' business."""

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from cases.models import LoanCase
from cases.states import CaseState, Transition
from tests.fuzz.conftest import FEW, FUZZ, TYPED, any_value, client_for, long_text, odd_dates, odd_numbers, text
from tests.fuzz.registry import covers

pytestmark = pytest.mark.django_db

big_ids = st.integers(min_value=0, max_value=2**70)
numbers = st.one_of(st.sampled_from(["HL-2026-999999", "hl-2026-000001", "..", "%", "_"]), text.filter(
    lambda s: s and "/" not in s and s not in (".", "..")))

LIST_KEYS = ["page", "per_page", "sort", "tasks", "problem", "branch", "status", "officer", "min_days", "undelivered",
             "start", "end", "case", "q", "year", "export", "_export", "format"]
SORTS = ["number", "-number", "due_at", "-due_by", "officer", "stage", "days_overdue", "last_notice", "nonsense",
         "-", "number,-due_at"]
list_value = st.one_of(any_value, st.sampled_from(SORTS + list(CaseState.values) + ["true", "false", "failed",
                                                                                      "stuck", "unacknowledged"]))
list_query = st.dictionaries(st.one_of(st.sampled_from(LIST_KEYS), text), list_value, max_size=5)


@dataclass
class Page:
    name: str
    role: str
    method: str = "get"
    args: object = None  # a strategy of the URL's arguments
    data: object = list_query


def case_state(world):
    def state():
        return list(LoanCase.objects.filter(pk=world["case"].pk).values())
    return state


def pages(world):
    case, notice, task, imported = world["case"], world["notice"], world["task"], world["import"]
    number = st.one_of(st.just(case.number), numbers).map(lambda n: [n])
    year = st.one_of(st.sampled_from([2026, 2027, 1, 0, 9999]), st.integers(0, 2**40)).map(lambda y: [y])
    fmt = st.one_of(st.sampled_from(["csv", "xlsx", "pdf", "CSV"]), text.filter(lambda s: s and "/" not in s))
    return {
        "cases:home": Page("cases:home", "officer"),
        "cases:detail": Page("cases:detail", "officer", args=number),
        "cases:transition": Page("cases:transition", "officer", "post", number, st.fixed_dictionaries({}, optional={
            "name": st.one_of(st.sampled_from(list(Transition.values)), text),
            "seen_status": st.one_of(st.sampled_from(list(CaseState.values)), text),
            "reason": st.one_of(text, long_text), "documents": st.one_of(text, long_text)})),
        "cases:task_complete": Page("cases:task_complete", "officer", "post",
                                    st.one_of(st.just(task.pk), big_ids).map(lambda pk: [pk]),
                                    st.fixed_dictionaries({}, optional={
                                        "outcome": st.one_of(text, long_text),
                                        "reached": st.one_of(st.sampled_from(["yes", "no"]), text)})),
        "cases:unmask": Page("cases:unmask", "supervisor", "post", number, st.dictionaries(text, text, max_size=2)),
        "cases:resend_link": Page("cases:resend_link", "officer", "post", number,
                                  st.dictionaries(text, text, max_size=2)),
        "cases:correct_contact": Page("cases:correct_contact", "officer", "post", number, st.fixed_dictionaries({}, optional={
            "field": st.one_of(st.sampled_from(["phone", "email", "borrower_phone", "borrower_email"]), text),
            "value": st.one_of(st.sampled_from(["13900000000", "new@example.com", "１３９００００００００"]), text, any_value),
            "value_again": st.one_of(st.sampled_from(["13900000000", "new@example.com"]), text, any_value),
            "note": st.one_of(text, long_text)})),
        "cases:overdue": Page("cases:overdue", "supervisor"),
        "cases:overdue_export": Page("cases:overdue_export", "supervisor", args=fmt.map(lambda f: [f])),
        "cases:notices": Page("cases:notices", "supervisor"),
        "cases:notice_retry": Page("cases:notice_retry", "supervisor", "post",
                                   st.one_of(st.just(notice.pk), big_ids).map(lambda pk: [pk]),
                                   st.dictionaries(text, text, max_size=2)),
        "cases:notice_handled": Page("cases:notice_handled", "supervisor", "post",
                                     st.one_of(st.just(notice.pk), big_ids).map(lambda pk: [pk]),
                                     st.fixed_dictionaries({}, optional={"note": st.one_of(text, long_text)})),
        "cases:report": Page("cases:report", "supervisor", data=st.fixed_dictionaries({}, optional={
            "start": odd_dates, "end": odd_dates, "branch": st.one_of(odd_numbers, text)})),
        "cases:report_export": Page("cases:report_export", "supervisor", args=st.tuples(
            st.one_of(st.sampled_from(["overdue_branch", "overdue_stage", "overdue_officer", "sla", "kpi", "trend"]),
                      text.filter(lambda s: s and "/" not in s and "." not in s)), fmt).map(list),
            data=st.fixed_dictionaries({}, optional={"start": odd_dates, "end": odd_dates,
                                                     "branch": st.one_of(odd_numbers, text)})),
        "cases:bulk": Page("cases:bulk", "supervisor", "post", data=st.fixed_dictionaries({}, optional={
            "action": st.one_of(st.sampled_from(["hold", "resume"]), text),
            "reason": st.one_of(text, long_text),
            "cases": st.lists(st.one_of(st.just(case.number), text), max_size=3),
            "confirm": st.one_of(st.sampled_from(["yes", "no", "back"]), text)})),
        "cases:access_log": Page("cases:access_log", "supervisor", data=st.fixed_dictionaries({}, optional={
            "start": odd_dates, "end": odd_dates, "case": st.one_of(st.just(case.number), text, long_text),
            "page": odd_numbers, "sort": st.sampled_from(SORTS)})),
        "cases:access_log_export": Page("cases:access_log_export", "supervisor", args=fmt.map(lambda f: [f]),
                                        data=st.fixed_dictionaries({}, optional={
                                            "start": odd_dates, "end": odd_dates, "case": text})),
        "cases:search": Page("cases:search", "officer", "post", data=st.fixed_dictionaries({}, optional={
            "q": st.one_of(st.sampled_from([case.number, "5678", "002X", "张", "13812345678", "%", "_", "'"]), text,
                           long_text, odd_numbers)})),
        "cases:new": Page("cases:new", "officer", "post", data=st.fixed_dictionaries({}, optional={
            "borrower_name": st.one_of(st.just("王五"), text, long_text),
            "borrower_id_number": st.one_of(st.sampled_from(["11010519491231002X", "110105194912310021"]), text),
            "borrower_phone": st.one_of(st.sampled_from(["13900000000", "+8613900000000"]), text, odd_numbers),
            "borrower_email": st.one_of(st.just("w@example.com"), text),
            "property_address": st.one_of(st.just("北京市"), text, long_text),
            "loan_amount": st.one_of(odd_numbers, st.sampled_from(["1,000,000.00", "１０００", "-5", "1e400", "0.001"]),
                                     text),
            "external_ref": st.one_of(text, long_text),
            "officer": st.one_of(odd_numbers, text)})),
        "cases:import_detail": Page("cases:import_detail", "head_office",
                                    args=st.one_of(st.just(imported.pk), big_ids).map(lambda pk: [pk])),
        "cases:import_run": Page("cases:import_run", "head_office", "post",
                                 st.one_of(st.just(imported.pk), big_ids).map(lambda pk: [pk]),
                                 st.dictionaries(text, text, max_size=2)),
        "cases:import_report": Page("cases:import_report", "head_office",
                                    args=st.one_of(st.just(imported.pk), big_ids).map(lambda pk: [pk])),
        "cases:import_template": Page("cases:import_template", "head_office", args=fmt.map(lambda f: [f])),
        "cases:calendar": Page("cases:calendar", "head_office"),
        "cases:calendar_go": Page("cases:calendar_go", "head_office", data=st.fixed_dictionaries({}, optional={
            "year": st.one_of(odd_numbers, text)})),
        "cases:calendar_year": Page("cases:calendar_year", "head_office", args=year),
        "cases:calendar_edit": Page("cases:calendar_edit", "head_office", "post", year, st.fixed_dictionaries({}, optional={
            "status": st.one_of(st.sampled_from(["announced", "estimated"]), text),
            "source": st.one_of(text, long_text),
            "days": st.one_of(
                st.lists(st.one_of(st.sampled_from(["2027-10-01, 休, 国庆节", "10月1日至7日, 休, 国庆节",
                                                    "2027-02-30, 班, x", "2027-01-01,休", "1月1日至12月31日, 休, x"]),
                                   text), max_size=6).map("\n".join),
                long_text),
            "confirm": st.one_of(st.sampled_from(["yes", "back", ""]), text)})),
    }


STAFF_PAGES = [
    "cases:home", "cases:detail", "cases:transition", "cases:task_complete", "cases:unmask", "cases:resend_link",
    "cases:correct_contact", "cases:overdue", "cases:overdue_export", "cases:notices", "cases:notice_retry",
    "cases:notice_handled", "cases:report", "cases:report_export", "cases:bulk", "cases:access_log",
    "cases:access_log_export", "cases:search", "cases:new", "cases:import_detail", "cases:import_run",
    "cases:import_report", "cases:import_template", "cases:calendar", "cases:calendar_go", "cases:calendar_year",
    "cases:calendar_edit",
]


@covers(*STAFF_PAGES)
@pytest.mark.parametrize("name", STAFF_PAGES)
def test_a_staff_page_never_answers_500_and_writes_nothing_it_refuses(name, world, check):
    page = pages(world)[name]
    client = client_for(world["people"][page.role])
    args = page.args if page.args is not None else st.just([])
    settings = FUZZ if page.method == "post" or name in ("cases:overdue", "cases:notices", "cases:home") else FEW

    @settings
    @given(args=args, data=page.data, as_get=st.booleans())
    def run(args, data, as_get):
        url = reverse(name, args=args)
        if page.method == "post" and not as_get:
            check(lambda: client.post(url, data), extra_state=case_state(world))
        else:
            check(lambda: client.get(url, data), extra_state=case_state(world))

    run()


@covers("cases:import")
def test_an_import_upload_of_any_file_never_answers_500_and_writes_nothing_it_refuses(world, check):
    client = client_for(world["people"]["head_office"])
    header = "外部编号,支行代码,客户经理,借款人姓名,身份证号,手机号,邮箱,房产地址,贷款金额\r\n".encode()
    contents = st.one_of(
        st.binary(max_size=2000),
        st.text(TYPED, max_size=500).map(lambda s: header + s.encode()),
        st.text(TYPED, max_size=500).map(lambda s: header + s.encode("gb18030", "ignore")),
        st.sampled_from([b"PK\x03\x04not a zip", b"\xef\xbb\xbf", b"", header, header * 3,
                         header + b"a,b,c\r\n" + b",,,,,,,,,\r\n" * 3]),
    )

    @FUZZ
    @given(content=contents, name=st.one_of(st.sampled_from(["cases.csv", "cases.xlsx", "cases.CSV", "cases.xls",
                                                             "cases", ".csv", "案件.csv"]), text.filter(bool)))
    def run(content, name):
        upload = SimpleUploadedFile(name, content)
        check(lambda: client.post(reverse("cases:import"), {"file": upload}))

    run()
