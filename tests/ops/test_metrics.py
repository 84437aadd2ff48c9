"""/metrics: the figures Prometheus reads match the database, for whoever is
allowed to read them, in a bounded number of queries."""

import datetime

import pytest
from django.core.checks import run_checks
from django.test import override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tests.base import make_case
from tests.dashboards.helpers import make_notice
from tests.ops.helpers import ago, build_scene, make_final_case

pytestmark = pytest.mark.django_db


def scrape(client, **headers):
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


def test_it_reports_the_outbox(client, branch_a, officer):
    build_scene(branch_a, officer)
    samples = scrape(client)
    assert value(samples, "loanflow_notices", status="queued", channel="sms") == 1
    assert value(samples, "loanflow_notices", status="delivered", channel="sms") == 1  # not the 3-day-old one
    assert value(samples, "loanflow_notices", status="delivered", channel="email") == 1
    assert value(samples, "loanflow_notices", status="failed", channel="sms") == 1
    assert value(samples, "loanflow_notices", status="bounced", channel="email") == 0  # present, at zero
    assert value(samples, "loanflow_notices_pending", status="queued", channel="sms") == 1
    assert value(samples, "loanflow_notices_pending", status="sending", channel="email") == 1
    assert value(samples, "loanflow_notices_pending", status="queued", channel="email") == 0


def test_it_reports_the_oldest_undelivered_notice(client, branch_a, officer):
    build_scene(branch_a, officer)
    samples = scrape(client)
    queued = value(samples, "loanflow_notice_oldest_undelivered_age_seconds", status="queued", channel="sms")
    sent = value(samples, "loanflow_notice_oldest_undelivered_age_seconds", status="sent", channel="email")
    assert 600 <= queued < 700
    assert 3 * 3600 <= sent < 3 * 3600 + 100
    assert value(samples, "loanflow_notice_oldest_undelivered_age_seconds", status="queued", channel="email") == 0


def test_it_reports_delivery_latency_as_a_histogram(client, branch_a, officer):
    build_scene(branch_a, officer)
    samples = scrape(client)
    bucket = "loanflow_notice_delivery_seconds_bucket"
    assert value(samples, bucket, channel="sms", le="30.0") == 0
    assert value(samples, bucket, channel="sms", le="60.0") == 1
    assert value(samples, bucket, channel="sms", le="+Inf") == 1
    assert value(samples, "loanflow_notice_delivery_seconds_count", channel="sms") == 1
    assert value(samples, "loanflow_notice_delivery_seconds_sum", channel="sms") == pytest.approx(60, abs=1)
    assert value(samples, bucket, channel="email", le="3600.0") == 0
    assert value(samples, bucket, channel="email", le="14400.0") == 1
    assert value(samples, "loanflow_notice_delivery_seconds_sum", channel="email") == pytest.approx(110 * 60, abs=1)


def test_it_reports_cases_tasks_breakers_and_background_tasks(client, branch_a, officer, people):
    build_scene(branch_a, officer)
    make_final_case(branch_a, officer, people)
    samples = scrape(client)
    # The case written on 2026-03-02; the rejected one is past due too, but final.
    assert value(samples, "loanflow_cases_overdue", stage="submitted") == 1
    assert value(samples, "loanflow_cases_overdue", stage="under_review") == 0
    assert ("loanflow_cases_overdue", (("stage", "rejected"),)) not in samples
    assert value(samples, "loanflow_staff_tasks_open", kind="call_borrower") == 2
    assert value(samples, "loanflow_staff_tasks_open", kind="escalation") == 1
    assert value(samples, "loanflow_staff_tasks_open", kind="verify_contact") == 0  # done
    assert value(samples, "loanflow_circuit_open", channel="sms") == 1
    assert value(samples, "loanflow_circuit_open", channel="email") == 0
    assert value(samples, "loanflow_circuit_consecutive_failures", channel="sms") == 5
    assert value(samples, "loanflow_task_queue_waiting") == 1
    assert value(samples, "loanflow_tasks_failed_24h") == 2


def test_it_names_no_borrower_nor_case(client, branch_a, officer):
    scene = build_scene(branch_a, officer)
    body = client.get("/metrics").content.decode()
    case = scene["overdue"]
    for text in (case.number, case.borrower_name, "13812345678", "zhangsan@example.com", case.borrower_id_number):
        assert text not in body


def test_it_costs_the_same_few_queries_however_much_there_is(client, branch_a, officer, django_assert_max_num_queries):
    build_scene(branch_a, officer)
    with django_assert_max_num_queries(11):
        client.get("/metrics")
    for hours in range(30):
        case = make_case(branch_a, officer, at=ago(hours=hours))
        make_notice(case, status="delivered", channel="email", at=ago(hours=hours), delivered_at=ago(minutes=hours))
        make_notice(case, status="queued", channel="sms", at=ago(hours=hours))
    with django_assert_max_num_queries(11):
        client.get("/metrics")


# --- Who may read it ----------------------------------------------------------------


def test_it_answers_the_local_machine_by_default(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


def test_it_refuses_other_addresses(client):
    response = client.get("/metrics", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 403
    assert b"loanflow_" not in response.content


def test_it_refuses_a_request_that_came_through_a_proxy(client):
    # Behind nginx on the same machine every request comes from 127.0.0.1.
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403


@override_settings(METRICS_ALLOWED_IPS=["10.0.0.0/8"])
def test_it_answers_an_allowed_network(client):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


@override_settings(METRICS_TOKEN="s3cret-token-for-prometheus")
def test_it_answers_the_bearer_token_from_anywhere(client):
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus")
    assert ok.status_code == 200
    assert b"loanflow_notices" in ok.content
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheu")
    assert wrong.status_code == 403
    # A wrong token is refused even from an allowed address.
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION="Bearer nope").status_code == 403


def test_it_refuses_any_token_when_none_is_set(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_it_is_never_cached(client):
    assert "no-store" in client.get("/metrics")["Cache-Control"]


def test_a_bad_allowed_address_is_a_system_check_error(settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.0.0.0/8", "prometheus.internal"]
    errors = [problem for problem in run_checks() if problem.id == "ops.E001"]
    assert len(errors) == 1 and "prometheus.internal" in errors[0].msg
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "::1"]
    assert not [problem for problem in run_checks() if problem.id == "ops.E001"]


@override_settings(CLIENT_IP_HEADER="HTTP_X_CLIENT_IP")
def test_it_refuses_a_request_named_in_the_load_balancers_own_header(client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_CLIENT_IP="203.0.113.9")
    assert response.status_code == 403


def test_a_production_install_without_a_token_is_warned(settings):
    settings.DEBUG = False
    settings.METRICS_TOKEN = ""
    assert "ops.W001" in {problem.id for problem in run_checks(include_deployment_checks=True)}
    settings.METRICS_TOKEN = "s3cret-token-for-prometheus"
    assert "ops.W001" not in {problem.id for problem in run_checks(include_deployment_checks=True)}


def test_a_production_install_with_a_per_process_cache_is_warned(settings):
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "ops.W002" in {problem.id for problem in run_checks(include_deployment_checks=True)}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/9"}}
    assert "ops.W002" not in {problem.id for problem in run_checks(include_deployment_checks=True)}


def test_it_reports_dispatch_latency_and_sends_held_for_the_providers_report(client, branch_a, officer):
    now = timezone.now()
    case = make_case(branch_a, officer, at=now - datetime.timedelta(hours=1))
    written = now - datetime.timedelta(minutes=20)
    # Handed to an ESP that never reports delivery: only dispatch latency sees it.
    make_notice(case, status="sent", channel="email", at=written, sent_at=written + datetime.timedelta(seconds=20))
    make_notice(case, status="sending", channel="email", at=written, claimed_at=written, uncertain_since=now)
    samples = scrape(client)
    bucket = "loanflow_notice_dispatch_seconds_bucket"
    assert value(samples, bucket, channel="email", le="10.0") == 0
    assert value(samples, bucket, channel="email", le="30.0") == 1
    assert value(samples, "loanflow_notice_dispatch_seconds_count", channel="email") == 1
    assert value(samples, "loanflow_notices_uncertain") == 1
