"""Cases in, from the staff pages: the new-case form, the import of a file,
and the search a hotline agent uses."""

import io

import pytest
from django.urls import reverse

from cases.models import CaseAccessLog, CaseImport, LoanCase
from tests.base import make_case, make_id_number
from tests.cases.test_import import csv_bytes, make_rows

pytestmark = pytest.mark.django_db


def form_data(**fields):
    data = {
        "borrower_name": "王五",
        "borrower_id_number": make_id_number(),
        "borrower_phone": "13912345678",
        "borrower_email": "",
        "property_address": "北京市朝阳区建国路88号",
        "loan_amount": "980,000.00",
        "external_ref": "",
    }
    data.update(fields)
    return data


# --- The new-case form ------------------------------------------------------------------------


def test_an_officer_opens_a_case_for_themself(client, officer):
    client.force_login(officer)
    response = client.post(reverse("cases:new"), form_data(), follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    case = LoanCase.objects.get()
    assert (case.officer, case.branch, case.status, str(case.loan_amount)) == (officer, officer.branch, "submitted",
                                                                              "980000.00")
    assert response.redirect_chain[-1][0] == case.get_absolute_url()
    assert f"案件 {case.number} 已开立" in response.content.decode()


def test_bad_input_is_named_on_its_field_in_chinese_and_nothing_is_written(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("cases:new"), form_data(borrower_id_number="110105199001010011", borrower_phone="", loan_amount="-1"),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "校验位不正确" in page  # the ID number's check character
    assert "请填写手机号或电子邮件" in page
    assert "请填写以元为单位" in page
    assert 'value="王五"' in page  # what was typed stays
    assert not LoanCase.objects.exists()


def test_a_supervisor_picks_the_officer_of_their_branch(client, supervisor, officer, outsider):
    client.force_login(supervisor)
    page = client.get(reverse("cases:new")).content.decode()
    assert f'<option value="{officer.pk}"' in page and f'<option value="{outsider.pk}"' not in page
    client.post(reverse("cases:new"), form_data(officer=officer.pk))
    assert LoanCase.objects.get().officer == officer


def test_staff_without_the_permission_cannot_open_cases(client, django_user_model, branch_a):
    clerk = django_user_model.objects.create_user("clerk", branch=branch_a)
    client.force_login(clerk)
    assert client.get(reverse("cases:new")).status_code == 403


# --- Import ---------------------------------------------------------------------------------------


def upload(client, content, name="cases.csv"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("cases:import"), {"file": file}, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_head_office_checks_a_file_sees_every_bad_row_then_imports_a_good_one(client, head_office, branch_a, officer):
    client.force_login(head_office)
    rows, bad = make_rows(150, bad_every=20)
    response = upload(client, csv_bytes(rows))
    checked = CaseImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:import_detail", args=[checked.pk])
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "未导入任何案件" in page
    for row in bad:
        assert f'<td class="num">{row}</td>' in page
    report = client.get(reverse("cases:import_report", args=[checked.pk])).content.decode("utf-8-sig")
    assert len(report.strip().splitlines()) == len(bad) + 1
    assert not LoanCase.objects.exists()

    good, _ = make_rows(150)
    response = upload(client, csv_bytes(good))
    checked = CaseImport.objects.latest("id")
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "导入 150 件案件" in page
    client.post(reverse("cases:import_run", args=[checked.pk]))
    assert LoanCase.objects.count() == 150


def test_a_file_that_cannot_be_read_says_why_on_the_form(client, head_office):
    client.force_login(head_office)
    response = upload(client, b"%PDF-1.4", "cases.pdf")
    assert response.status_code == 400 and "请上传 CSV 或 Excel" in response.content.decode()
    assert not CaseImport.objects.exists()


def test_only_head_office_imports_and_only_the_checker_sees_the_rows(client, head_office, supervisor, branch_a, officer,
                                                                     django_user_model):
    client.force_login(supervisor)
    assert client.get(reverse("cases:import")).status_code == 403
    client.force_login(head_office)
    rows, _ = make_rows(2)
    upload(client, csv_bytes(rows))
    checked = CaseImport.objects.get()
    colleague = django_user_model.objects.create_user("hq9")
    colleague.groups.add(*head_office.groups.all())
    client.force_login(colleague)
    assert client.get(reverse("cases:import_detail", args=[checked.pk])).status_code == 404
    assert client.post(reverse("cases:import_run", args=[checked.pk])).status_code == 404
    assert not LoanCase.objects.exists()


def test_the_template_downloads(client, head_office):
    client.force_login(head_office)
    response = client.get(reverse("cases:import_template", args=["xlsx"]))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')


# --- Search --------------------------------------------------------------------------------------


def search(client, q):
    return client.post(reverse("cases:search"), {"q": q}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_a_hotline_agent_finds_a_case_by_number_mobile_last_4_id_digits_or_name(client, officer, branch_a):
    case = make_case(branch_a, officer, borrower_name="欧阳娜娜", borrower_phone="13812345678", external_ref="LOS-9")
    other = make_case(branch_a, officer, borrower_name="李四", borrower_phone="13900001111")
    client.force_login(officer)
    for query in (case.number, case.number.lower(), "LOS-9", "138 1234 5678", "+8613812345678", "5678",
                  case.borrower_id_number[-4:], case.borrower_id_number, "欧阳"):
        page = search(client, query)
        assert case.number in page and other.number not in page, query
    page = search(client, "5678")
    assert "138****5678" in page and "13812345678" not in page  # masked
    assert case.masked_id_number in page and case.borrower_id_number not in page


def test_a_search_by_personal_data_is_logged_and_one_by_number_is_not(client, officer, branch_a):
    case = make_case(branch_a, officer)
    client.force_login(officer)
    search(client, case.number)
    assert not CaseAccessLog.objects.exists()
    search(client, "5678")
    log = CaseAccessLog.objects.get()
    assert (log.case, log.user, log.what) == (case, officer, "search:last4")
    search(client, "9999")  # nothing found: nothing to log
    assert CaseAccessLog.objects.count() == 1


def test_search_stays_in_the_users_branch(client, officer, branch_b, outsider):
    theirs = make_case(branch_b, outsider, borrower_phone="13812345678")
    client.force_login(officer)
    page = search(client, "13812345678")
    assert theirs.number not in page and "没有匹配的案件" in page


def test_a_name_needs_two_characters(client, officer, branch_a):
    make_case(branch_a, officer, borrower_name="王五")
    client.force_login(officer)
    page = search(client, "王")
    assert "王五" not in page and "请至少输入姓名中的 2 个字" in page


def test_the_query_never_goes_in_a_url(client, officer, branch_a):
    # A full ID number in a URL would stay in access logs and browser history.
    client.force_login(officer)
    page = client.get(reverse("cases:search")).content.decode()
    assert '<form method="post" class="filters" role="search">' in page
    case = make_case(branch_a, officer)
    assert case.number not in client.get(reverse("cases:search"), {"q": case.borrower_id_number}).content.decode()
