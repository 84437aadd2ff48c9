"""What the status page shows, and what it never shows."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from borrowers import selectors
from cases import sla
from cases.models import LoanCase
from notifications.models import Channel, DeliveryEvent, Notification
from notifications.services import notices_for_event
from tests.base import MONDAY, drive_to

pytestmark = pytest.mark.django_db


def page(client):
    response = client.get(reverse("borrowers:status"))
    assert response.status_code == 200
    return response.content.decode()


def test_it_marks_the_current_stage_on_the_progress_line(borrower, case, people):
    drive_to(case, "under_review", people)
    html = page(borrower)
    current = re.findall(r'<li class="current" aria-current="step">([^<]+)', html)
    assert [name.strip() for name in current] == ["审批中"]
    assert html.count('<li class="done"') == 2  # submitted, signed


def test_it_is_chinese_by_default_even_for_an_english_phone(borrower, case):
    html = borrower.get(reverse("borrowers:status"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert 'lang="zh-Hans"' in html
    assert "您的房贷申请" in html


def test_it_remembers_the_english_switch(borrower, case):
    response = borrower.post(
        reverse("borrowers:language"), {"language": "en", "next": reverse("borrowers:status")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("borrowers:status")
    cookie = response.cookies["django_language"]
    assert cookie.value == "en"
    assert int(cookie["max-age"]) >= 30 * 24 * 3600
    html = page(borrower)
    assert 'lang="en"' in html
    assert "Your mortgage application" in html


def test_it_refuses_to_redirect_the_language_switch_off_site(borrower):
    response = borrower.post(reverse("borrowers:language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == reverse("borrowers:status")


def test_it_says_what_happens_next_and_by_when_in_business_days(case, people):
    drive_to(case, "signed", people)
    # Signed at Monday 12:00: one business day, so due by the end of Tuesday.
    outlook = selectors.outlook(case, now=MONDAY)
    assert outlook.due_date == datetime.date(2026, 3, 3)
    assert outlook.business_days_left == 1
    assert not outlook.overdue


def test_it_counts_only_business_days_over_a_holiday(case, people):
    # Review of 5 business days started on Friday 2026-04-03, before the
    # Qingming holiday (Apr 4-6): due Monday Apr 13, not Thursday Apr 9.
    from cases.services import case_transition

    friday = datetime.datetime(2026, 4, 3, 10, tzinfo=MONDAY.tzinfo)
    case_transition(case=case, name="sign", actor=people["officer"], at=friday)
    case_transition(case=case, name="start_review", actor=people["officer"], at=friday)
    outlook = selectors.outlook(case, now=friday)
    assert outlook.due_date == datetime.date(2026, 4, 13)
    assert outlook.business_days_left == 5


def test_it_shows_the_due_date_on_the_page(borrower, case, people):
    drive_to(case, "signed", people)
    due = timezone.now() + datetime.timedelta(days=3)
    LoanCase.objects.filter(pk=case.pk).update(due_at=due)
    html = page(borrower)
    with translation.override("zh-hans"):
        expected = date_format(sla.due_date(due), "DATE_FORMAT")
    assert f"预计最迟 {expected}" in html
    assert "比预期" not in html


def test_it_admits_when_a_stage_is_late(borrower, case, people):
    drive_to(case, "signed", people)  # due 2026-03-03; the clock says later
    html = page(borrower)
    assert "比预期" in html


def test_it_lists_the_documents_the_borrower_must_bring(borrower, case, people):
    drive_to(case, "documents_requested", people)
    html = page(borrower)
    assert "收入证明" in html
    assert "请最迟于" in html


def test_it_explains_a_hold_in_the_words_staff_gave(borrower, case, people):
    drive_to(case, "on_hold", people)
    html = page(borrower)
    assert "测试原因" in html
    assert "恢复" in html  # "we will tell you when it goes on"
    assert re.search(r'aria-current="step">审批中', html)


def test_it_shows_the_branch_hotline_and_hours(borrower, case):
    html = page(borrower)
    assert "010-1000-0001" in html
    assert "9:00–17:00" in html


def test_it_names_the_branch_line_and_the_bank_hotline_apart(borrower, case, settings):
    # The messages give the branch line; "find my application" gives the
    # bank's. The page names both, so neither looks like a mistake.
    settings.BORROWER_HOTLINE = "95500"
    html = page(borrower)
    assert f"请致电您的经办网点（{case.branch.name}）" in html and "010-1000-0001" in html
    assert "全行客服热线" in html and "95500" in html
    find = borrower.get(reverse("borrowers:find")).content.decode()
    assert "95500" in find and "010-1000-0001" not in find


def test_the_stage_line_says_the_stage_the_header_says(borrower, case, people):
    drive_to(case, "documents_requested", people)
    html = page(borrower)
    current = re.findall(r'aria-current="step">([^<]+) <span class="tag">([^<]+)</span>', html)
    # The main line keeps its 审批中 step; its tag says 待补件, as the header does.
    assert [(name.strip(), tag) for name, tag in current] == [("审批中", "待补件")]
    assert html.count('<li class="done"') == 2


def test_it_shows_each_event_once_with_one_receipt_button(borrower, case, people):
    drive_to(case, "signed", people)
    assert Notification.objects.filter(case=case, key="sign").count() == 3  # page, SMS, email
    html = page(borrower)
    assert html.count("我已收到") == 1


def test_it_marks_the_page_copy_read_when_shown(borrower, case, people):
    drive_to(case, "signed", people)
    page(borrower)
    shown = Notification.objects.get(case=case, key="sign", channel=Channel.STATUS_PAGE)
    sms = Notification.objects.get(case=case, key="sign", channel=Channel.SMS)
    assert shown.read_at is not None
    assert sms.read_at is None
    page(borrower)
    assert DeliveryEvent.objects.filter(notification=shown, kind="read").count() == 1


def test_it_records_a_receipt_once_however_often_it_is_pressed(borrower, case, people):
    drive_to(case, "signed", people)
    shown = Notification.objects.get(case=case, key="sign", channel=Channel.STATUS_PAGE)
    url = reverse("borrowers:acknowledge", args=[shown.pk])
    first = borrower.post(url)
    assert first.status_code == 302
    shown.refresh_from_db()
    acknowledged_at = shown.acknowledged_at
    assert acknowledged_at is not None
    second = borrower.post(url)
    assert second.status_code == 302
    shown.refresh_from_db()
    assert shown.acknowledged_at == acknowledged_at
    assert DeliveryEvent.objects.filter(notification=shown, kind="acknowledged").count() == 1
    # The other copies are left alone.
    assert not Notification.objects.filter(case=case, key="sign", acknowledged_at__isnull=False).exclude(pk=shown.pk).exists()
    html = page(borrower)
    assert "我已收到" not in html
    assert "您已确认收到" in html


def test_it_does_not_repeat_the_link_token_from_a_message_body(borrower, case):
    notice = notices_for_event(case=case, key="progress_update", channels=[Channel.STATUS_PAGE])[0]
    Notification.objects.filter(pk=notice.pk).update(
        body="您的申请有新进展，请查看 http://127.0.0.1:8000/s/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg/ 谢谢"
    )
    html = page(borrower)
    assert "您的申请有新进展" in html
    assert "AbCdEfGhIjKlMnOpQrStUvWxYz" not in html


def test_it_hides_the_amount_until_the_id_digits_are_given(borrower, case):
    notice = notices_for_event(case=case, key="progress_update", channels=[Channel.STATUS_PAGE])[0]
    Notification.objects.filter(pk=notice.pk).update(body="贷款金额 1,200,000.00 元，即 120万元")
    html = page(borrower)
    assert "1,200,000" not in html and "120万" not in html

    wrong = borrower.post(reverse("borrowers:verify"), {"id_last4": "0000"}, follow=True).content.decode()
    assert "1,200,000" not in wrong
    assert "不一致" in wrong

    last4 = case.borrower_id_number[-4:]
    html = borrower.post(reverse("borrowers:verify"), {"id_last4": last4}, follow=True).content.decode()
    assert "¥1,200,000.00" in html
    assert "120万元" in html


def test_it_stops_taking_guesses_at_the_id_digits(borrower, case, settings):
    settings.BORROWER_VERIFY_LIMIT = (3, 3600)
    for guess in ("0000", "1111", "2222"):
        borrower.post(reverse("borrowers:verify"), {"id_last4": guess})
    html = borrower.post(
        reverse("borrowers:verify"), {"id_last4": case.borrower_id_number[-4:]}, follow=True
    ).content.decode()
    assert "1,200,000" not in html
    assert "次数过多" in html


def test_it_shows_no_personal_data_beyond_the_masked_forms(borrower, case, people):
    drive_to(case, "documents_requested", people)
    for response in (
        borrower.get(reverse("borrowers:status")),
        borrower.get(reverse("borrowers:ask")),
        borrower.post(reverse("borrowers:ask"), {"text": "何时放款？", "callback_time": "any",
                                                 "submission": "6f1c1f9e-7c53-4f7e-9a55-3f1d2a8c0b11"}, follow=True),
    ):
        html = response.content.decode()
        assert case.borrower_id_number not in html
        assert case.borrower_id_number[:6] not in html  # not even the masked ID
        assert "13812345678" not in html and "+86" not in html
        assert case.borrower_email not in html
        assert case.borrower_name not in html
        assert case.property_address not in html
        assert "1,200,000" not in html and "1200000" not in html
    assert "138****5678" in borrower.get(reverse("borrowers:status")).content.decode()


def test_it_renders_the_page_in_few_queries(borrower, case, people, django_assert_max_num_queries):
    drive_to(case, "registration", people)
    page(borrower)  # first view marks the notices read
    # Session, link with case and branch, notices, questions, whether the
    # borrower's visit this hour is already counted as news; then the session
    # save the project does on every request (3 with its savepoint).
    with django_assert_max_num_queries(8):
        page(borrower)


def test_it_keeps_html_and_css_under_50_kb(borrower, case, people):
    drive_to(case, "registration", people)
    for _ in range(20):
        notices_for_event(case=case, key="progress_update", at=timezone.now())
    html = borrower.get(reverse("borrowers:status")).content
    from django.contrib.staticfiles import finders

    with open(finders.find("borrowers/borrower.css"), "rb") as css:
        size = len(html) + len(css.read())
    assert size < 50 * 1024, size
    assert b"http://" not in html and b"https://" not in html  # no external assets
