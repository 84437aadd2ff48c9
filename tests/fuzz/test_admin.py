"""The admin: every changelist with fuzzed search, filters, ordering and
paging; every add form with fuzzed fields; message templates (whose input is
template code) with fuzzed and known-bad templates. A NUL anywhere is a 400."""

import os

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from notifications.models import MessageTemplate
from tests.fuzz.conftest import FEW, FUZZ, TINY, any_value, client_for, text
from tests.fuzz.registry import ADMIN_OWN, covers

pytestmark = pytest.mark.django_db


def connection_vendor_is_sqlite():
    # Decided before the database is set up, as tests/base.requires_postgres does.
    return not os.environ.get("DATABASE_URL", "").startswith("postgres")


def model_admins():
    """(model, model admin) for every model in the admin, in a stable order."""
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def filter_parameters(client, model):
    """The query parameters the changelist's filters understand."""
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200, model
    names = set()
    for spec in response.context["cl"].filter_specs:
        names.update(spec.expected_parameters())
    return sorted(names)


# The add forms' values: any_value, ids beyond 64 bits included.
admin_value = any_value
SPECIAL = ["q", "o", "p", "all", "e", "_to_field", "_popup", "_changelist_filters", "date__gte", "id__in", "pk"]


@pytest.mark.parametrize("model", [model for model, _ in model_admins()], ids=lambda model: model._meta.label)
def test_a_changelist_answers_any_query_without_a_500(model, world, check):
    client = client_for(world["admin"])
    names = filter_parameters(client, model) + SPECIAL

    @FEW
    @given(query=st.dictionaries(st.sampled_from(names) | text, any_value, max_size=4))
    def run(query):
        check(lambda: client.get(admin_url(model, "changelist"), query))

    run()


@pytest.mark.parametrize("model", [model for model, _ in model_admins()], ids=lambda model: model._meta.label)
def test_a_nul_in_a_changelist_query_is_a_400(model, world):
    client = client_for(world["admin"])
    names = filter_parameters(client, model) or ["status"]
    for query in ({"q": "\x00"}, {names[0]: "\x00"}, {"o": "\x00"}, {"p": "1\x00"}, {f"x\x00{names[0]}": "1"}):
        response = client.get(admin_url(model, "changelist"), query)
        assert response.status_code == 400, query
        assert "NUL" in response.content.decode() and "空字符" in response.content.decode()
    # Ordering by a column that does not exist is ignored, not an error.
    assert client.get(admin_url(model, "changelist"), {"o": "abc"}).status_code in (200, 302)


@pytest.mark.parametrize("model", [model for model, _ in model_admins()], ids=lambda model: model._meta.label)
def test_an_add_form_answers_any_input_without_a_500(model, world, check):
    client = client_for(world["admin"])
    url = admin_url(model, "add")
    response = client.get(url)
    if response.status_code == 403:  # read-only admin: a POST is refused the same way
        assert client.post(url, {"x": "1"}).status_code == 403
        return
    assert response.status_code == 200
    fields = sorted(response.context["adminform"].form.fields)

    @TINY
    @given(data=st.fixed_dictionaries({}, optional={field: admin_value for field in fields}))
    def run(data):
        check(lambda: client.post(url, data))

    run()


# Django passes a multiple-choice id beyond 64 bits to the query unchecked:
# on SQLite that overflowed, a 500 (cases/admin.py bounds them).
@pytest.mark.parametrize("model, field", [("cases.User", "groups"), ("auth.Group", "permissions")])
def test_a_huge_id_in_an_admin_multiple_choice_is_a_form_error(world, model, field):
    client = client_for(world["admin"])
    model = apps.get_model(model)
    response = client.post(admin_url(model, "add"), {"username": "x", "name": "x", field: str(2**70)})
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


@covers(*ADMIN_OWN)
def test_the_admins_own_pages_answer_any_query_without_a_500(world, check):
    client = client_for(world["admin"])

    @FEW
    @given(
        name=st.sampled_from(["admin:index", "admin:login", "admin:logout", "admin:password_change",
                              "admin:password_change_done", "admin:autocomplete", "admin:jsi18n"]),
        query=st.dictionaries(st.sampled_from(["app_label", "model_name", "field_name", "term", "page", "next"]) | text,
                              any_value, max_size=4),
        post=st.booleans(),
    )
    def run(name, query, post):
        url = reverse(name)
        check(lambda: client.post(url, query) if post else client.get(url, query))

    run()
    client = client_for(world["admin"])  # the fuzzer may have logged out
    assert client.get(reverse("admin:app_list", args=["cases"])).status_code == 200
    assert client.get("/admin/nothing/").status_code == 404
    assert client.get("/admin/r/999999/1/").status_code == 404
    assert client.get("/admin/r/abc/%E2%82%AC/").status_code == 404
    assert client.get("/admin/no/such/page/").status_code in (302, 404)


# --- Message templates: the input is template code ----------------------------

FRAGMENTS = [
    "{{ case_number }}", "{{ borrower_name|upper }}", "{% if reason %}{{ reason }}{% endif %}", "尊敬的{{ borrower_name }}：",
    '{% include "admin/base.html" %}', '{% extends "base.html" %}', "{% load nosuchlib %}", "{% load static %}",
    "{% url 'nosuch:view' %}", "{% url 'cases:detail' case_number %}", "{% debug %}", "{% lorem 999999 w %}",
    "{% if %}", "{% for x in %}", "{{", "{% endif %}", "{% block x %}", "{{ 5|divisibleby:0 }}", "{{ x|date:'Q' }}",
    "{% now 'Y' %}", "{% widthratio a b %}", "{% cycle %}", "{{ case_number|slice:'a:b' }}", "{% ssi '/etc/passwd' %}",
    "{% templatetag openblock %}", "{% comment %}", "{% csrf_token %}", "{{ documents|join:', ' }}",
]
template_source = st.lists(st.one_of(st.sampled_from(FRAGMENTS), text), min_size=1, max_size=5).map("".join)


def template_form(template, **changes):
    data = {field: getattr(template, field) for field in ("key", "channel", "language", "subject", "body_text",
                                                           "body_html")}
    data["active"] = "on" if template.active else ""
    data.update(changes)
    return data


def stored(template):
    return list(MessageTemplate.objects.filter(pk=template.pk).values())


@covers("admin:notifications_messagetemplate_change")
def test_a_message_template_edit_never_answers_500_and_a_refused_one_saves_nothing(world, check):
    client = client_for(world["admin"])
    template = MessageTemplate.objects.get(key="sign", channel="sms", language="zh-hans")
    url = admin_url(MessageTemplate, "change", template.pk)

    @FUZZ
    @given(field=st.sampled_from(["subject", "body_text", "body_html"]), source=template_source)
    def run(field, source):
        check(lambda: client.post(url, template_form(template, **{field: source})),
              extra_state=lambda: stored(template))

    run()


KNOWN_500S = {
    "include": '您好{% include "admin/base.html" %}',
    "extends": '{% extends "base.html" %}{% block content %}x{% endblock %}',
    "load of an unknown library": "{% load nosuchlib %}{{ case_number }}",
    "unknown url": "{% url 'nosuch:view' %}",
    "syntax error": "{% if %}{{ case_number }}",
    "a filter that fails when rendered": "{{ 5|divisibleby:0 }}",
    # The review found these: a message of any size, built in the admin form
    # and again in every worker.
    "loops nested three deep": "{% for a in hotline %}{% for b in hotline %}{% for c in hotline %}{{ a }}"
                               "{% endfor %}{% endfor %}{% endfor %}",
    "a message longer than any": "{% for a in hotline %}{% for b in hotline %}{{ case_number|ljust:200 }}"
                                 "{% endfor %}{% endfor %}",
}


@pytest.mark.parametrize("field", ["subject", "body_text", "body_html"])
@pytest.mark.parametrize("source", KNOWN_500S.values(), ids=KNOWN_500S.keys())
def test_a_template_that_cannot_render_is_a_form_error_in_the_users_language_and_saves_nothing(world, field, source):
    client = client_for(world["admin"])
    template = MessageTemplate.objects.get(key="sign", channel="email", language="zh-hans")
    before = stored(template)

    response = client.post(admin_url(MessageTemplate, "change", template.pk), template_form(template, **{field: source}),
                           HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field], errors
    assert errors[field][0].startswith("This template has an error: ")
    assert stored(template) == before


def test_a_new_template_with_an_include_is_refused_and_not_created(world):
    client = client_for(world["admin"])
    count = MessageTemplate.objects.count()
    response = client.post(admin_url(MessageTemplate, "add"), {
        "key": "custom", "channel": "sms", "language": "zh-hans", "body_text": '{% include "registration/login.html" %}',
        "active": "on",
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "is not allowed in message templates" in response.context["adminform"].form.errors["body_text"][0]
    assert MessageTemplate.objects.count() == count


def test_a_good_template_edit_is_saved(world):
    client = client_for(world["admin"])
    template = MessageTemplate.objects.get(key="sign", channel="sms", language="zh-hans")
    body = "{{ borrower_name }}您好，案件{{ case_number }}{% if reason %}：{{ reason }}{% endif %}。"
    response = client.post(admin_url(MessageTemplate, "change", template.pk), template_form(template, body_text=body))
    assert response.status_code == 302
    assert MessageTemplate.objects.get(pk=template.pk).body_text == body


def test_the_template_error_is_in_chinese_for_a_chinese_administrator(world):
    client = client_for(world["admin"])
    template = MessageTemplate.objects.get(key="sign", channel="sms", language="zh-hans")
    response = client.post(admin_url(MessageTemplate, "change", template.pk),
                           template_form(template, body_text='{% include "base.html" %}'), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.context["adminform"].form.errors["body_text"][0].startswith("模板有误：")
