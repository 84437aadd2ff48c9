"""The borrower's pages. The borrower never logs in: opening the link from a
message starts a short session for that one case (borrowers.session)."""

import functools

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from borrowers import conf, ratelimit, selectors, services, session, stages
from borrowers.forms import FindForm, QuestionForm, VerifyForm
from cases import sla
from cases.states import CaseState
from loanflow.redirects import next_url
from notifications import actions as notification_actions
from notifications import links

# No script, no frame, nothing from another origin: the pages work without
# JavaScript and banks run them on closed networks.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'; object-src 'none'"
)


def _client_ip(request):
    return request.META.get(conf.client_ip_header()) or request.META.get("REMOTE_ADDR", "")


def _activate_language(request):
    # Chinese first: only the borrower's own switch (the language cookie)
    # changes the language, not the phone's Accept-Language.
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    translation.activate(language)
    request.LANGUAGE_CODE = language


def borrower_page(view):
    """Headers and language for every borrower page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        _activate_language(request)
        response = view(request, *args, **kwargs)
        # No Referer ever leaves for another site. (Only the /s/<token>/
        # answers say no-referrer: under it browsers send "Origin: null" with
        # a form post, which CSRF protection rightly refuses.)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def borrower_required(view):
    """The view gets the session's case, or the borrower is told the session ended."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        link = session.current_link(request)
        if link is None:
            session.end(request)
            return render(request, "borrowers/session_ended.html", _hotline(None), status=403)
        return view(request, link.case, *args, **kwargs)

    return borrower_page(wrapper)


def _hotline(case):
    """The bank's hotline on every page; with a case, first the branch line
    its messages give, named, so the two numbers never look like a mistake."""
    bank = {"hotline": conf.hotline(), "hotline_hours": conf.hotline_hours() or _("Weekdays 9:00–17:00")}
    if case is not None and case.branch.hotline:
        return {**bank, "branch_name": case.branch.name, "branch_hotline": case.branch.hotline,
                "branch_hotline_hours": case.branch.hotline_hours}
    return bank


def _not_found(request, status=404):
    context = {**_hotline(None), "limited": status == 429}
    return render(request, "borrowers/not_found.html", context, status=status)


@borrower_page
@require_safe
def enter(request, token):
    """Exchange the link's token for a session, then leave the token's URL."""
    # A valid link always opens: the limit counts misses per address, and a
    # carrier's NAT puts many borrowers behind one (256-bit tokens cannot be
    # guessed anyway; the limit only slows down scanning).
    link = links.link_resolve(token)
    if link is not None:
        session.start(request, link)
        response = redirect("borrowers:status")
    elif ratelimit.hit("link-miss", _client_ip(request), conf.link_miss_limit()):
        response = _not_found(request, status=429)
    else:
        response = _not_found(request)
    # This URL holds the token: it must never be anyone's Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@borrower_required
@require_safe
def status(request, case):
    verified = session.is_verified(request)
    entries = selectors.timeline(case, show_amount=verified)
    # The borrower looking at their case is news reaching them (and reads
    # what the page shows).
    notification_actions.status_page_opened(case=case, unread=any(entry.unread for entry in entries))
    now_text, next_text = stages.STAGE_TEXT[case.status]
    context = {
        "case": case,
        "stage_name": stages.STAGE_NAMES[case.status],
        "now_text": now_text,
        "next_text": next_text,
        "steps": stages.progress_steps(case),
        "held_stage": stages.STAGE_NAMES.get(case.held_from) if case.status == CaseState.ON_HOLD else None,
        "outlook": selectors.outlook(case),
        "documents": case.documents_outstanding if case.status == CaseState.DOCUMENTS_REQUESTED else [],
        "timeline": entries,
        "questions": selectors.questions_for_case(case),
        "verified": verified,
        "amount": f"{case.loan_amount:,.2f}" if verified else None,
        "verify_form": VerifyForm(),
        **_hotline(case),
    }
    return render(request, "borrowers/status.html", context)


@borrower_required
@require_POST
def acknowledge(request, case, pk):
    notice = selectors.notice_for_case(case, pk)
    if notice is None:
        return _not_found(request)
    if notification_actions.notification_acknowledge(notification=notice):
        messages.success(request, _("Thank you. We have noted that you received this message."))
    else:
        messages.info(request, _("You had already told us that you received this message."))
    return HttpResponseRedirect(reverse("borrowers:status") + f"#notice-{notice.pk}")


@borrower_required
@require_POST
def verify(request, case):
    form = VerifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["id_last4"][0])
        return HttpResponseRedirect(reverse("borrowers:status") + "#amount")
    limit = conf.verify_limit()
    if ratelimit.is_limited("verify", case.pk, limit):
        messages.error(request, _("Too many wrong attempts. Please try again in an hour, or call the hotline."))
    elif services.id_last4_matches(case, form.cleaned_data["id_last4"]):
        session.mark_verified(request)
        ratelimit.clear("verify", case.pk, limit)
    else:
        ratelimit.hit("verify", case.pk, limit)
        messages.error(request, _("That does not match the ID number we have. Please check and try again."))
    return HttpResponseRedirect(reverse("borrowers:status") + "#amount")


@borrower_required
@require_http_methods(["GET", "HEAD", "POST"])
def ask(request, case):
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        question = selectors.question_for_submission(case, data["submission"])
        if question is None:
            if ratelimit.hit("question", case.pk, conf.question_limit()):
                form.add_error(None, _("You have sent many questions today. Please call the hotline instead."))
                return render(request, "borrowers/ask.html", {"case": case, "form": form, **_hotline(case)}, status=429)
            question, created = services.question_ask(
                case=case, text=data["text"], callback_time=form.callback_label(), submission=data["submission"]
            )
        return redirect("borrowers:question", pk=question.pk)
    return render(request, "borrowers/ask.html", {"case": case, "form": form, **_hotline(case)})


@borrower_required
@require_safe
def question(request, case, pk):
    question = selectors.question_for_case(case, pk)
    if question is None:
        return _not_found(request)
    context = {
        "case": case,
        "question": question,
        "answer_by": sla.due_date(question.task.due_at) if question.task.due_at else None,
        **_hotline(case),
    }
    return render(request, "borrowers/question.html", context)


@borrower_page
@require_http_methods(["GET", "HEAD", "POST"])
def find(request):
    """"Find my application": the same answer whether or not anything matched."""
    form = FindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["case_number"]
        over_ip = ratelimit.hit("find-ip", _client_ip(request), conf.find_ip_limit())
        over_case = ratelimit.hit("find-case", number, conf.find_case_limit())
        if over_ip or over_case:
            form.add_error(None, _("Too many attempts. Please try again in an hour, or call the hotline."))
            return render(request, "borrowers/find.html", {"form": form, **_hotline(None)}, status=429)
        services.link_request_queue(case_number=number, phone=form.cleaned_data["phone"])
        return redirect("borrowers:find_sent")
    return render(request, "borrowers/find.html", {"form": form, **_hotline(None)})


@borrower_page
@require_safe
def find_sent(request):
    return render(request, "borrowers/find_sent.html", _hotline(None))


@borrower_page
@require_POST
def leave(request):
    session.end(request)
    return render(request, "borrowers/left.html", _hotline(None))


@borrower_page
@require_POST
def language(request):
    """Switch the language and remember it for a year (no JavaScript needed)."""
    code = request.POST.get("language")
    response = HttpResponseRedirect(next_url(request, reverse("borrowers:status")))
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=conf.language_cookie_age(),
            path=settings.LANGUAGE_COOKIE_PATH,
            secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
        )
    return response
