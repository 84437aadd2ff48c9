"""Case detail: masked data, audited unmasking, the timeline, transition
buttons with reasons, conflicts, and re-sending the status-page link."""

import datetime
import re

import pytest
from django.urls import reverse

from cases import services
from cases.models import CaseAccessLog, CaseTransition
from notifications import status
from notifications.models import BorrowerLink, Notification
from tests.base import drive_to, make_id_number
from tests.dashboards.helpers import make_notice, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(officer, supervisor):
    return {"officer": officer, "supervisor": supervisor}


def detail(client, case, lang="en"):
    return client.get(reverse("cases:detail", args=[case.number]), HTTP_ACCEPT_LANGUAGE=lang).content.decode()


def test_it_masks_personal_data_by_default(client, officer, case):
    client.force_login(officer)
    page = detail(client, case)
    assert case.masked_id_number in page and case.borrower_id_number not in page
    assert "138****5678" in page and "13812345678" not in page
    assert case.borrower_email not in page


def test_it_unmasks_for_supervisors_and_writes_the_audit_log(client, supervisor, case):
    client.force_login(supervisor)
    assert "Show full ID number" in detail(client, case)
    response = client.post(reverse("cases:unmask", args=[case.number]))
    assert response.status_code == 200
    page = response.content.decode()
    assert case.borrower_id_number in page and case.borrower_email in page
    log = CaseAccessLog.objects.get()
    assert (log.case, log.user) == (case, supervisor)
    # The next visit is masked again.
    assert case.borrower_id_number not in detail(client, case)


def test_it_refuses_unmasking_to_officers_and_logs_nothing(client, officer, case):
    client.force_login(officer)
    assert "Show full ID number" not in detail(client, case)
    assert client.post(reverse("cases:unmask", args=[case.number])).status_code == 403
    assert not CaseAccessLog.objects.exists()


def test_it_shows_exactly_the_transitions_the_user_may_fire(client, officer, supervisor, case, people):
    drive_to(case, "under_review", people)
    client.force_login(officer)
    page = detail(client, case)
    assert 'value="request_documents"' in page and 'value="withdraw"' in page
    assert 'value="approve"' not in page and 'value="hold"' not in page
    client.force_login(supervisor)
    page = detail(client, case)
    assert 'value="approve"' in page and 'value="reject"' in page and 'value="hold"' in page


def test_it_fires_a_transition_and_shows_it_with_its_notices_in_the_timeline(client, officer, case):
    client.force_login(officer)
    response = client.post(
        reverse("cases:transition", args=[case.number]), {"name": "sign", "seen_status": "submitted"}, follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    case.refresh_from_db()
    assert case.status == "signed"
    page = response.content.decode()
    assert "已受理 → 已面签" in page
    assert "通知借款人" in page  # the notices of the transition, in the timeline
    assert Notification.objects.filter(case=case, transition__transition="sign").exists()


def test_it_asks_for_a_reason_and_changes_nothing_without_one(client, supervisor, case, people):
    drive_to(case, "under_review", people)
    client.force_login(supervisor)
    response = client.post(
        reverse("cases:transition", args=[case.number]),
        {"name": "reject", "seen_status": "under_review", "reason": "  "},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Please give a reason" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "under_review"


def test_it_rejects_with_a_reason_the_borrower_sees(client, supervisor, case, people):
    drive_to(case, "under_review", people)
    client.force_login(supervisor)
    client.post(
        reverse("cases:transition", args=[case.number]),
        {"name": "reject", "seen_status": "under_review", "reason": "收入不足"},
    )
    record = CaseTransition.objects.filter(case=case).last()
    assert (record.transition, record.reason, record.actor) == ("reject", "收入不足", supervisor)


def test_it_requests_the_listed_documents(client, officer, case, people):
    drive_to(case, "under_review", people)
    client.force_login(officer)
    data = {"name": "request_documents", "seen_status": "under_review", "reason": "材料不全", "documents": "收入证明\n\n银行流水\n"}
    client.post(reverse("cases:transition", args=[case.number]), data)
    case.refresh_from_db()
    assert case.status == "documents_requested"
    assert case.documents_outstanding == ["收入证明", "银行流水"]


def test_it_wants_at_least_one_document_listed(client, officer, case, people):
    drive_to(case, "under_review", people)
    client.force_login(officer)
    data = {"name": "request_documents", "seen_status": "under_review", "reason": "材料不全", "documents": ""}
    response = client.post(reverse("cases:transition", args=[case.number]), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "List the documents" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "under_review"


def test_it_refuses_a_change_to_a_state_the_user_no_longer_sees(client, officer, officer2, case):
    client.force_login(officer)
    # officer2 signs first; officer's page still showed "submitted".
    client2 = type(client)()
    client2.force_login(officer2)
    client2.post(reverse("cases:transition", args=[case.number]), {"name": "sign", "seen_status": "submitted"})
    response = client.post(
        reverse("cases:transition", args=[case.number]), {"name": "withdraw", "seen_status": "submitted", "reason": "撤回"},
        follow=True, HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Someone else changed this case meanwhile" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "signed"
    assert CaseTransition.objects.filter(case=case).count() == 1


def test_it_shows_a_refusal_in_the_users_language(client, officer, case):
    client.force_login(officer)
    response = client.post(
        reverse("cases:transition", args=[case.number]), {"name": "approve", "seen_status": "submitted"}, follow=True,
    )
    assert "案件为“已受理”时不能执行“审批通过”。" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "submitted"


def test_it_resends_the_status_link_and_revokes_the_old_one(client, officer, case):
    from notifications.links import link_issue

    old, _token = link_issue(case)
    client.force_login(officer)
    response = client.post(reverse("cases:resend_link", args=[case.number]), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "A new status-page link is on its way" in response.content.decode()
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert BorrowerLink.objects.filter(case=case, revoked_at__isnull=True).count() == 1
    channels = set(Notification.objects.filter(case=case, key="status_link").values_list("channel", flat=True))
    assert channels == {"email", "sms"}


def test_it_says_when_the_borrower_cannot_be_reached_for_a_new_link(client, branch_a, officer):
    from tests.base import make_case

    case = make_case(branch_a, officer, borrower_phone="", borrower_email="")
    client.force_login(officer)
    response = client.post(reverse("cases:resend_link", args=[case.number]), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "no reachable email or mobile phone" in response.content.decode()
    assert not BorrowerLink.objects.filter(case=case).exists()
    assert not Notification.objects.filter(case=case, key="status_link").exists()


def test_case_detail_queries_do_not_grow_with_history(client, officer, supervisor, case, people, django_assert_max_num_queries):
    client.force_login(supervisor)
    drive_to(case, "signed", people)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("cases:detail", args=[case.number])).status_code == 200
    drive_to_more = ["start_review", "request_documents", "receive_documents", "approve"]
    from cases import services

    for name in drive_to_more:
        services.case_transition(case=case, name=name, actor=supervisor, reason="r", payload={"documents": ["x"]})
        make_notice(case)
        make_task(case)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("cases:detail", args=[case.number])).status_code == 200


# --- What a newcomer saw: Chinese words, newest first, a second click, unique ids ----------


def test_the_timeline_reads_in_chinese_newest_first_with_each_error_once(client, officer, case, people):
    drive_to(case, "signed", people)
    later = case.entered_state_at + datetime.timedelta(hours=1)
    notice = make_notice(case, channel="sms", last_error="handset unreachable", at=later)
    status.note(notice.pk, event="attempt_failed", at=notice.created_at, detail="attempt 1: handset unreachable")
    status.note(notice.pk, event="provider:bounced", at=notice.created_at, detail="")
    client.force_login(officer)
    page = detail(client, case, lang="zh-hans")
    timeline = page[page.index('<ol class="timeline">'):]
    assert "第1次发送：手机无法接通" in timeline and "服务商回执：退信" in timeline
    assert "handset unreachable" not in timeline and "attempt_failed" not in timeline
    assert timeline.count("手机无法接通") == 1  # the last error is not repeated under its events
    # Newest first: the notice written after the signing is above it.
    assert timeline.index("手机无法接通") < timeline.index("已受理 → 已面签")


def test_every_transition_asks_for_a_second_click_and_ids_are_unique(client, supervisor, case, people):
    drive_to(case, "under_review", people)
    client.force_login(supervisor)
    page = detail(client, case, lang="zh-hans")
    names = re.findall(r'name="name" value="(\w+)"', page)
    assert {"approve", "reject", "hold", "request_documents", "withdraw"} <= set(names)
    # Each form sits behind its own "…" summary and says what a click does.
    assert page.count('<details class="transition"') >= len(names)
    assert "确认：审批通过" in page and "借款人将立即收到通知" in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_amounts_have_thousands_separators_in_chinese(client, officer, case):
    client.force_login(officer)
    assert "1,200,000.00" in detail(client, case, lang="zh-hans")


def test_the_timeline_says_how_and_by_whom_a_case_was_opened(client, officer, branch_a):
    data = {"external_ref": "LOS-77", "branch": "A", "officer": officer.username, "borrower_name": "王五",
            "borrower_id_number": make_id_number(), "borrower_phone": "13912345678", "property_address": "北京",
            "loan_amount": "100"}
    case = services.case_open(actor=officer, data=data, via="api")
    client.force_login(officer)
    page = detail(client, case, lang="zh-hans")
    timeline = page[page.index('<ol class="timeline">'):]
    assert "案件开立" in timeline and "经由系统对接接口" in timeline and "officer" in timeline
    assert "进件系统编号：LOS-77" in timeline
