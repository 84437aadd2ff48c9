"""A reason in a message ends with its own full stop: it ran into the next
sentence (“说明：需补充收入证明材料当前阶段：…”). Stored templates that still
hold the old default get the new one; edited ones are left alone."""

from django.db import migrations

from notifications.defaults import refresh_templates

PREVIOUS = {
    "reject": {
        "zh-hans": ("未能通过审批", "原因：{{ reason }}"),
        "en": ("was not approved", "Reason: {{ reason }}"),
    },
    "request_documents": {
        "zh-hans": ("需要补充材料", "请补充：{{ documents }}。{% if reason %}说明：{{ reason }}{% endif %}"),
        "en": ("needs more documents", "Please provide: {{ documents }}.{% if reason %} Note: {{ reason }}{% endif %}"),
    },
    "hold": {
        "zh-hans": ("暂缓办理", "原因：{{ reason }}"),
        "en": ("has been put on hold", "Reason: {{ reason }}"),
    },
    "withdraw": {
        "zh-hans": ("已撤回", "{% if reason %}原因：{{ reason }}{% endif %}"),
        "en": ("has been withdrawn", "{% if reason %}Reason: {{ reason }}{% endif %}"),
    },
}


def forwards(apps, schema_editor):
    model = apps.get_model("notifications", "MessageTemplate")
    for key, previous in PREVIOUS.items():
        refresh_templates(model, key, previous)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0007_borrower_link_from_borrowers")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
