"""/healthz: what a load balancer sees when everything answers and when a
component does not."""

import pytest
import redis
from django.conf import settings
from django.db import OperationalError, connection
from django.test import override_settings

from tests.base import make_case

REDIS_URL = "redis://127.0.0.1:6379/1"  # this suite's Redis database
NOBODY = "redis://127.0.0.1:1/1"  # nothing listens on port 1: refused at once


def redis_up():
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not redis_up(), reason="needs Redis at 127.0.0.1:6379")

REDIS_CACHE = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
DEAD_CACHE = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": NOBODY}}


def redis_broker(url):
    q_cluster = {key: value for key, value in settings.Q_CLUSTER.items() if key != "orm"}
    return {**q_cluster, "redis": url}


@pytest.mark.django_db
def test_it_answers_200_without_login_and_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}
    assert "no-store" in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers


@pytest.mark.django_db
def test_it_costs_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):  # SELECT 1
        assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_it_answers_head_and_refuses_post(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@needs_redis
@pytest.mark.django_db
def test_it_passes_with_redis_as_cache_and_broker(client):
    with override_settings(CACHES=REDIS_CACHE, Q_CLUSTER=redis_broker(REDIS_URL)):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_it_answers_503_naming_the_cache_when_redis_is_down(client):
    with override_settings(CACHES=DEAD_CACHE):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["cache"]
    assert body["checks"] == {"database": "ok", "cache": "fail", "broker": "ok"}
    assert "no-store" in response["Cache-Control"]
    # The error's text (hosts, ports, URLs) stays in the log.
    assert "127.0.0.1" not in response.content.decode() and "Connection" not in response.content.decode()


@pytest.mark.django_db
def test_it_answers_503_naming_the_broker_when_it_is_down(client):
    with override_settings(Q_CLUSTER=redis_broker(NOBODY)):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]


@pytest.mark.django_db
def test_it_answers_503_naming_the_database_when_a_query_fails(client):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]


@pytest.mark.django_db
def test_it_says_nothing_of_cases_or_borrowers(client, branch_a, officer):
    case = make_case(branch_a, officer)
    body = client.get("/healthz").content.decode()
    for text in (case.number, case.borrower_name, case.borrower_phone, case.borrower_email, case.borrower_id_number):
        assert text not in body


@pytest.mark.django_db
def test_it_keeps_the_host_check(client):
    # A probe must send a Host in ALLOWED_HOSTS: the check is not weakened
    # for /healthz (README: configure the load balancer's Host header).
    assert client.get("/healthz", HTTP_HOST="10.9.8.7").status_code == 400


@pytest.mark.django_db
def test_it_is_not_redirected_to_https_while_pages_are(client):
    # Load balancers probe over plain http behind the TLS terminator.
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200
        assert client.get("/ops/status/").status_code == 301
