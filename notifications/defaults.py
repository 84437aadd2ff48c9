"""The default message templates, seeded into MessageTemplate by a migration
and used when an administrator has deactivated every row of an event.

Each event has a headline and optional extra line per language; the channel
layouts below wrap them. Variables (see notifications.rendering.context_for):
case_number, borrower_name, stage, next_step, expected_date, reason,
documents, branch_name, hotline, hotline_hours, status_url, and for
deadline_moved previous_date, for hold_reminder next_update_date.
Messages never contain the ID number.
"""

ZH = "zh-hans"
EN = "en"

# key: {language: (headline, extra line or "")}
EVENTS = {
    "sign": {
        ZH: ("已完成面签", ""),
        EN: ("has been signed", ""),
    },
    "start_review": {
        ZH: ("已进入审批", ""),
        EN: ("is now under review", ""),
    },
    "approve": {
        ZH: ("已审批通过", ""),
        EN: ("has been approved", ""),
    },
    "reject": {
        ZH: ("未能通过审批", "原因：{{ reason }}。"),
        EN: ("was not approved", "Reason: {{ reason }}."),
    },
    "request_documents": {
        ZH: ("需要补充材料", "请补充：{{ documents }}。{% if reason %}说明：{{ reason }}。{% endif %}"),
        EN: ("needs more documents", "Please provide: {{ documents }}.{% if reason %} Note: {{ reason }}.{% endif %}"),
    },
    "receive_documents": {
        ZH: ("补充材料已收到", ""),
        EN: ("documents have been received", ""),
    },
    "start_registration": {
        ZH: ("已开始办理抵押登记", ""),
        EN: ("has moved to mortgage registration", ""),
    },
    "disburse": {
        ZH: ("已放款", ""),
        EN: ("has been paid out", ""),
    },
    "hold": {
        ZH: ("暂缓办理", "原因：{{ reason }}。"),
        EN: ("has been put on hold", "Reason: {{ reason }}."),
    },
    "resume": {
        ZH: ("已恢复办理", ""),
        EN: ("is being processed again", ""),
    },
    "withdraw": {
        ZH: ("已撤回", "{% if reason %}原因：{{ reason }}。{% endif %}"),
        EN: ("has been withdrawn", "{% if reason %}Reason: {{ reason }}.{% endif %}"),
    },
    "progress_update": {
        ZH: ("仍在办理中", ""),
        EN: ("is still in progress", ""),
    },
    "hold_reminder": {
        ZH: ("仍在暂缓中", "原因：{{ reason }}。{% if next_update_date %}我们最迟将于{{ next_update_date }}再次告知您进展。{% endif %}"),
        EN: ("is still on hold",
             "Reason: {{ reason }}.{% if next_update_date %} We will write to you again by {{ next_update_date }}.{% endif %}"),
    },
    # The deadline moved later when the year's public holidays were announced.
    "deadline_moved": {
        ZH: ("的预计完成日期已调整", "{% if previous_date %}原预计{{ previous_date }}，因节假日安排调整而顺延。{% endif %}"),
        EN: ("has a new expected date",
             "{% if previous_date %}It was expected by {{ previous_date }}; the public holiday schedule moves it.{% endif %}"),
    },
}

# Transitions whose news an officer also gives in person, by phone.
PHONE_EVENTS = {"reject"}

EXPECTED = {
    ZH: "{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}",
    EN: "{% if expected_date %} Expected by {{ expected_date }}.{% endif %}",
}

EXPECTED_LINE = {
    ZH: "{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}",
    EN: "{% if expected_date %}Expected by {{ expected_date }}.{% endif %}",
}

SMS = {
    ZH: (
        "【房贷进度】{{ borrower_name }}您好，您的房贷申请{{ case_number }}{headline}。{extra}"
        "当前阶段：{{ stage }}。{{ next_step }}{expected}"
        "查看进度并确认收到：{{ status_url }} 咨询：{{ hotline }}"
    ),
    EN: (
        "Dear {{ borrower_name }}, your mortgage application {{ case_number }} {headline}. {extra}"
        "Stage: {{ stage }}. {{ next_step }}{expected} "
        "Details and confirm receipt: {{ status_url }} Questions: {{ hotline }}"
    ),
}

EMAIL_SUBJECT = {
    ZH: "您的房贷申请{{ case_number }}{headline}",
    EN: "Your mortgage application {{ case_number }} {headline}",
}

EMAIL_TEXT = {
    ZH: (
        "{{ borrower_name }}您好：\n\n"
        "您的房贷申请（编号 {{ case_number }}）{headline}。\n{extra_line}"
        "当前阶段：{{ stage }}\n"
        "下一步：{{ next_step }}\n{expected_line}\n"
        "请打开以下链接查看进度，并点击“我已收到”确认：\n{{ status_url }}\n\n"
        "如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}\n"
    ),
    EN: (
        "Dear {{ borrower_name }},\n\n"
        "Your mortgage application (number {{ case_number }}) {headline}.\n{extra_line}"
        "Current stage: {{ stage }}\n"
        "What happens next: {{ next_step }}\n{expected_line}\n"
        "Follow your application and confirm that you received this message:\n{{ status_url }}\n\n"
        "Questions? Call {{ branch_name }} on {{ hotline }}{% if hotline_hours %} ({{ hotline_hours }}){% endif %}.\n"
    ),
}

EMAIL_HTML = {
    ZH: (
        '<div style="font-family:sans-serif;max-width:560px">'
        "<p>{{ borrower_name }}您好：</p>"
        "<p>您的房贷申请（编号 {{ case_number }}）<strong>{headline}</strong>。</p>{extra_html}"
        "<p>当前阶段：{{ stage }}<br>下一步：{{ next_step }}{expected_html}</p>"
        '<p><a href="{{ status_url }}">查看进度并确认收到</a></p>'
        "<p>如有疑问，请致电{{ branch_name }}：{{ hotline }}"
        "{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}</p></div>"
    ),
    EN: (
        '<div style="font-family:sans-serif;max-width:560px">'
        "<p>Dear {{ borrower_name }},</p>"
        "<p>Your mortgage application (number {{ case_number }}) <strong>{headline}</strong>.</p>{extra_html}"
        "<p>Current stage: {{ stage }}<br>What happens next: {{ next_step }}{expected_html}</p>"
        '<p><a href="{{ status_url }}">Follow your application and confirm receipt</a></p>'
        "<p>Questions? Call {{ branch_name }} on {{ hotline }}"
        "{% if hotline_hours %} ({{ hotline_hours }}){% endif %}.</p></div>"
    ),
}

STATUS_PAGE_SUBJECT = {ZH: "申请{headline}", EN: "Your application {headline}"}
STATUS_PAGE_TEXT = {
    ZH: "{extra}当前阶段：{{ stage }}。{{ next_step }}{expected}",
    EN: "{extra}Stage: {{ stage }}. {{ next_step }}{expected}",
}

PHONE_TEXT = {
    ZH: (
        "请致电借款人{{ borrower_name }}，告知申请{{ case_number }}{headline}。{extra}"
        "说明下一步：{{ next_step }}，并告知可通过状态页查看进度。"
    ),
    EN: (
        "Call {{ borrower_name }}: application {{ case_number }} {headline}. {extra}"
        "Explain what happens next: {{ next_step }}; mention the status page."
    ),
}

# The status-page link on its own: sent again by staff, or asked for by the
# borrower ("find my application").
STATUS_LINK = {
    ("sms", ZH): (
        "",
        "【房贷进度】您的房贷申请{{ case_number }}进度查询链接：{{ status_url }} "
        "此链接仅供本人使用，请勿转发。咨询：{{ hotline }}",
        "",
    ),
    ("sms", EN): (
        "",
        "Your link to follow mortgage application {{ case_number }}: {{ status_url }} "
        "Keep it to yourself. Questions: {{ hotline }}",
        "",
    ),
    ("email", ZH): (
        "您的房贷申请{{ case_number }}进度查询链接",
        "{{ borrower_name }}您好：\n\n请通过以下链接查看房贷申请（编号 {{ case_number }}）的进度：\n"
        "{{ status_url }}\n\n此链接仅供本人使用，请勿转发。如有疑问，请致电{{ branch_name }}：{{ hotline }}\n",
        '<div style="font-family:sans-serif;max-width:560px"><p>{{ borrower_name }}您好：</p>'
        '<p><a href="{{ status_url }}">查看房贷申请{{ case_number }}的进度</a></p>'
        "<p>此链接仅供本人使用，请勿转发。如有疑问，请致电{{ branch_name }}：{{ hotline }}</p></div>",
    ),
    ("email", EN): (
        "Your link to follow mortgage application {{ case_number }}",
        "Dear {{ borrower_name }},\n\nFollow your mortgage application (number {{ case_number }}) here:\n"
        "{{ status_url }}\n\nKeep this link to yourself. Questions? Call {{ branch_name }} on {{ hotline }}.\n",
        '<div style="font-family:sans-serif;max-width:560px"><p>Dear {{ borrower_name }},</p>'
        '<p><a href="{{ status_url }}">Follow mortgage application {{ case_number }}</a></p>'
        "<p>Keep this link to yourself. Questions? Call {{ branch_name }} on {{ hotline }}.</p></div>",
    ),
}


def _fill(layout, headline, extra, language, html=False):
    """Put an event's headline and extra line into a channel layout."""
    space = "" if language == ZH else " "
    expected = EXPECTED[language]
    tokens = {
        "{headline}": headline,
        "{extra}": (extra + space) if extra else "",
        "{extra_line}": (extra + "\n") if extra else "",
        "{extra_html}": f"<p>{extra}</p>" if extra else "",
        "{expected}": expected,
        "{expected_line}": EXPECTED_LINE[language],
        "{expected_html}": EXPECTED_LINE[language].replace("%}", "%}<br>", 1) if html else "",
    }
    for token, value in tokens.items():
        layout = layout.replace(token, value)
    return layout


def event_templates(key, languages):
    """The templates of one event, as dicts of MessageTemplate fields, from
    its {language: (headline, extra line)}."""
    rows = []
    for language, (headline, extra) in languages.items():
        rows.append(dict(key=key, channel="sms", language=language, subject="",
                         body_text=_fill(SMS[language], headline, extra, language), body_html=""))
        rows.append(dict(key=key, channel="email", language=language,
                         subject=_fill(EMAIL_SUBJECT[language], headline, "", language),
                         body_text=_fill(EMAIL_TEXT[language], headline, extra, language),
                         body_html=_fill(EMAIL_HTML[language], headline, extra, language, html=True)))
        rows.append(dict(key=key, channel="status_page", language=language,
                         subject=_fill(STATUS_PAGE_SUBJECT[language], headline, "", language),
                         body_text=_fill(STATUS_PAGE_TEXT[language], headline, extra, language), body_html=""))
        if key in PHONE_EVENTS:
            rows.append(dict(key=key, channel="phone", language=language, subject="",
                             body_text=_fill(PHONE_TEXT[language], headline, extra, language), body_html=""))
    return rows


def default_templates():
    """Every default template as dicts of MessageTemplate fields."""
    rows = []
    for key, languages in EVENTS.items():
        rows += event_templates(key, languages)
    for (channel, language), (subject, text, html) in STATUS_LINK.items():
        rows.append(dict(key="status_link", channel=channel, language=language, subject=subject,
                         body_text=text, body_html=html))
    return rows


def refresh_templates(model, key, previous_languages) -> int:
    """Bring an event's stored templates up to today's default where they
    still hold the previous default (`previous_languages`, as in EVENTS): an
    administrator's own wording is left alone. For data migrations."""
    current = {(r["channel"], r["language"]): r for r in event_templates(key, EVENTS[key])}
    updated = 0
    for old in event_templates(key, previous_languages):
        new = current.get((old["channel"], old["language"]))
        if new is None:
            continue
        updated += model.objects.filter(
            key=key, channel=old["channel"], language=old["language"], subject=old["subject"],
            body_text=old["body_text"], body_html=old["body_html"],
        ).update(subject=new["subject"], body_text=new["body_text"], body_html=new["body_html"])
    return updated


def seed_templates(model, overwrite=False):
    """Create missing default templates (all of them with overwrite=True)."""
    created = 0
    for row in default_templates():
        lookup = {k: row[k] for k in ("key", "channel", "language")}
        values = {k: row[k] for k in ("subject", "body_text", "body_html")}
        if overwrite:
            model.objects.update_or_create(**lookup, defaults=values)
        else:
            _, was_created = model.objects.get_or_create(**lookup, defaults=values)
            created += was_created
    return created
