"""Ask a question: one task for the officer, however often the form is sent."""

import uuid

import pytest
from django.urls import reverse

from borrowers.models import BorrowerQuestion
from notifications.models import StaffTask

pytestmark = pytest.mark.django_db


def ask(client, text="贷款什么时候能放款？", callback_time="morning", submission=None):
    return client.post(
        reverse("borrowers:ask"),
        {"text": text, "callback_time": callback_time, "submission": submission or str(uuid.uuid4())},
    )


def test_it_creates_a_task_for_the_officer_and_says_when_to_expect_an_answer(borrower, case, officer):
    response = ask(borrower)
    assert response.status_code == 302
    task = StaffTask.objects.get(case=case)
    assert task.kind == StaffTask.Kind.BORROWER_QUESTION
    assert task.assigned_to == officer
    assert task.detail == "贷款什么时候能放款？"
    assert task.callback_time == "工作日上午（9:00–12:00）"
    received = borrower.get(response["Location"]).content.decode()
    assert "已收到" in received
    assert "贷款什么时候能放款？" in received
    assert "最迟将于" in received  # "will answer by the end of <date> at the latest"


def test_it_creates_one_task_when_the_form_is_sent_twice(borrower, case):
    submission = str(uuid.uuid4())
    first = ask(borrower, submission=submission)
    second = ask(borrower, submission=submission)
    assert first["Location"] == second["Location"]
    assert StaffTask.objects.filter(case=case).count() == 1
    assert BorrowerQuestion.objects.filter(case=case).count() == 1


def test_it_refuses_an_empty_question_and_creates_nothing(borrower, case):
    response = ask(borrower, text="   ")
    assert response.status_code == 200
    assert "请填写您的问题" in response.content.decode()
    assert not StaffTask.objects.exists()


def test_it_refuses_an_unknown_call_back_time(borrower, case):
    response = ask(borrower, callback_time="midnight")
    assert response.status_code == 200
    assert not StaffTask.objects.exists()


def test_it_limits_how_many_questions_one_case_can_send(borrower, case, settings):
    settings.BORROWER_QUESTION_LIMIT = (2, 3600)
    assert ask(borrower).status_code == 302
    assert ask(borrower).status_code == 302
    response = ask(borrower)
    assert response.status_code == 429
    assert StaffTask.objects.filter(case=case).count() == 2


def test_it_lists_the_question_on_the_status_page(borrower, case):
    ask(borrower)
    html = borrower.get(reverse("borrowers:status")).content.decode()
    assert "等待客户经理答复" in html


def test_it_does_not_show_another_case_question(client, borrower, case, branch_b, outsider):
    from tests.base import make_case
    from tests.borrowers.conftest import open_link

    other = make_case(branch_b, outsider)
    other_client = client.__class__()
    open_link(other_client, other)
    ask(other_client, text="别人的问题")
    question = BorrowerQuestion.objects.get(case=other)
    response = borrower.get(reverse("borrowers:question", args=[question.pk]))
    assert response.status_code == 404
    assert "别人的问题" not in response.content.decode()
