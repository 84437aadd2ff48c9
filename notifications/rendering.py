"""Rendering message templates with a case's context.

Templates are administrator-editable Django templates, so they see only the
plain values below, never the case object: no template can print the full ID
number, and a last check masks it should it appear anyway.
"""

import datetime
import functools

from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import sla
from cases.identity import mask_id_number
from cases.states import CaseState

# Put in where the status-page link goes; replaced at send time (services.final_bodies
# explains why the link itself is never stored).
LINK_PLACEHOLDER = "[[status-link]]"

# What happens next, in the borrower's words; the stage itself is the
# CaseState label.
NEXT_STEP = {
    CaseState.SUBMITTED: _("We will contact you to arrange the signing of your loan contract."),
    CaseState.SIGNED: _("Your application goes to credit review next."),
    CaseState.UNDER_REVIEW: _("Our credit team is reviewing your application."),
    CaseState.DOCUMENTS_REQUESTED: _("Please send us the documents listed; the review continues once we have them."),
    CaseState.APPROVED: _("Next we register the mortgage at the property registry."),
    CaseState.REGISTRATION: _("Once the mortgage is registered, we pay out the loan."),
    CaseState.DISBURSED: _("The loan has been paid out; your repayment schedule follows separately."),
    CaseState.REJECTED: _("Your loan officer can explain the decision and your options."),
    CaseState.ON_HOLD: _("We will tell you as soon as processing resumes."),
    CaseState.WITHDRAWN: _("Nothing more is needed from you."),
}

# Tags an administrator's template may not use: they reach outside the
# plain values below (other templates and files, URLs, tag libraries, the
# whole context) or make a message of any size. Each is refused when the
# template is compiled, so the admin form names it and saves nothing.
FORBIDDEN_TAGS = ("include", "extends", "load", "url", "debug", "ssi", "lorem")

# A message is short: nested loops over the context's values, or a padding
# filter given a huge width, could otherwise make one of gigabytes in the
# admin form's check and again in every worker.
MAX_LOOP_DEPTH = 2
MAX_WIDTH = 200
MAX_RENDERED = 20_000

_sandbox = Library()


def _forbidden_tag(parser, token):
    raise TemplateSyntaxError(
        gettext("The {%% %(tag)s %%} tag is not allowed in message templates.") % {"tag": token.split_contents()[0]}
    )


for _tag in FORBIDDEN_TAGS:
    _sandbox.tag(_tag, _forbidden_tag)


@_sandbox.tag("for")
def _bounded_for(parser, token):
    # do_for parses the loop's body inside this call, so the depth counts
    # the loops around the one being parsed.
    depth = getattr(parser, "loop_depth", 0)
    if depth >= MAX_LOOP_DEPTH:
        raise TemplateSyntaxError(
            gettext("Message templates may nest at most %(n)s {%% for %%} loops.") % {"n": MAX_LOOP_DEPTH}
        )
    parser.loop_depth = depth + 1
    try:
        return defaulttags.do_for(parser, token)
    finally:
        parser.loop_depth = depth


def _bounded_width(padding):
    def bounded(value, width):
        try:
            width = min(int(width), MAX_WIDTH)
        except (TypeError, ValueError):
            return value
        return padding(value, width)

    return bounded


for _name in ("center", "ljust", "rjust"):
    _sandbox.filter(_name, _bounded_width(getattr(defaultfilters, _name)), is_safe=True)


class MessageTooLong(ValueError):
    pass


class SandboxEngine(Engine):
    """Django's template language without loaders (no template can read
    another, or a file) and with the forbidden tags replaced by an error."""

    def __init__(self, autoescape):
        super().__init__(loaders=[], autoescape=autoescape)

    def get_template_builtins(self, builtins):
        # Builtins loaded last win: ours replace Django's tags of the same name.
        return [*super().get_template_builtins(builtins), _sandbox]


# Plain-text templates must not HTML-escape what they print.
_TEXT_ENGINE = SandboxEngine(autoescape=False)
_HTML_ENGINE = SandboxEngine(autoescape=True)

SAMPLE_CONTEXT = {
    "case_number": "HL-2026-000123",
    "borrower_name": "张三",
    "stage": "审批中",
    "next_step": "我们的审批团队正在审核您的申请。",
    "expected_date": "2026年3月9日",
    "previous_date": "2026年3月6日",
    "next_update_date": "2026年3月12日",
    "reason": "所在城市房贷政策调整",
    "documents": "收入证明、银行流水",
    "branch_name": "朝阳支行",
    "hotline": "010-1000-0001",
    "hotline_hours": "9:00–17:00",
    "status_url": "https://bank.example/s/…/",
}


def expected_date(case) -> str:
    """The day the stage is due by, in the active language; a deadline that
    rests on a year whose holidays are not announced yet says so."""
    if case.due_at is None:
        return ""
    day = sla.due_date(case.due_at)
    text = date_format(day, "DATE_FORMAT")
    if case.deadline_provisional:
        text = _("%(date)s (provisional until the %(year)s public holidays are announced)") % {
            "date": text, "year": day.year,
        }
    return str(text)


def context_for(case, language, reason="", extra=None):
    """The values a template may use, in `language`. `case.branch` is read.
    `extra` adds event-specific values; dates among them are formatted."""
    with translation.override(language):
        expected = expected_date(case)
        documents = case.documents_outstanding or []
        values = {
            "case_number": case.number,
            "borrower_name": case.borrower_name,
            "stage": str(CaseState(case.status).label),
            "next_step": str(NEXT_STEP.get(case.status, "")),
            "expected_date": expected,
            # A hold reminder repeats the reason the case was held for. The
            # templates end the reason with their own full stop.
            "reason": (reason or (case.hold_reason if case.status == CaseState.ON_HOLD else "")).rstrip("。．.!！ "),
            "documents": ("、" if language.startswith("zh") else ", ").join(documents),
            "branch_name": case.branch.name,
            "hotline": case.branch.hotline,
            "hotline_hours": case.branch.hotline_hours,
            "status_url": LINK_PLACEHOLDER,
            "previous_date": "",
            "next_update_date": "",
        }
        for key, value in (extra or {}).items():
            values[key] = date_format(value, "DATE_FORMAT") if isinstance(value, datetime.date) else value
        return values


@functools.lru_cache(maxsize=1024)
def _compile(source, html):
    return (_HTML_ENGINE if html else _TEXT_ENGINE).from_string(source)


def render(source, context, html=False, id_number=""):
    if not source:
        return ""
    text = _compile(source, html).render(Context(context, autoescape=html)).strip()
    if len(text) > MAX_RENDERED:
        raise MessageTooLong(
            gettext("The message would be %(n)s characters long; at most %(max)s are allowed.")
            % {"n": len(text), "max": MAX_RENDERED}
        )
    if id_number and id_number in text:
        text = text.replace(id_number, mask_id_number(id_number))
    return text


def template_error(source, html=False):
    """Why `source` cannot be a message template, in the active language, or
    None when it compiles and renders with a sample case."""
    try:
        render(source, SAMPLE_CONTEXT, html=html)
    except (TemplateSyntaxError, MessageTooLong) as exc:
        return str(exc)
    except Exception as exc:
        # A filter given the wrong kind of value ({{ 5|divisibleby:0 }}) fails
        # only when rendered; at send time it would fall back to the default
        # text, so the person editing it must hear of it now.
        return gettext("It cannot be rendered with a sample case (%(error)s).") % {
            "error": f"{type(exc).__name__}: {exc}"
        }
    return None


def render_template(template, context, id_number=""):
    """(subject, text, html) of a MessageTemplate for a context."""
    with translation.override(template.language):
        subject = render(template.subject, context, id_number=id_number)
        return (
            " ".join(subject.split())[:200],
            render(template.body_text, context, id_number=id_number),
            render(template.body_html, context, html=True, id_number=id_number),
        )
