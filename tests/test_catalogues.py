"""The translation catalogues agree with each other.

Django merges every app's catalogue into one; for a msgid that two apps
translate differently, the app listed first in INSTALLED_APPS wins, so a
string can silently change meaning on another app's page (the calendar's
"Open" button read 待办, the tasks' "open", once it moved app). Each
(context, msgid) has one Chinese translation across the project, and none
is missing or fuzzy."""

import collections
import pathlib

import polib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CATALOGUES = sorted(ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po")) + [
    ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"
]


def entries():
    for path in CATALOGUES:
        for entry in polib.pofile(str(path)):
            if not entry.obsolete:
                yield path.relative_to(ROOT).parts[0], entry


def test_each_message_has_one_translation_across_the_apps():
    seen = collections.defaultdict(dict)
    for app, entry in entries():
        seen[(entry.msgctxt, entry.msgid)][app] = entry.msgstr or dict(entry.msgstr_plural).get(0, "")
    conflicts = {key: apps for key, apps in seen.items() if len(set(apps.values())) > 1}
    assert conflicts == {}


def test_every_message_is_translated():
    missing = [(app, entry.msgid) for app, entry in entries() if not entry.translated() or entry.fuzzy]
    assert missing == []


def test_every_compiled_catalogue_matches_its_source():
    # A .po that msgfmt refused leaves the old .mo in place, silently: the
    # pages then show English for every string added since.
    for path in CATALOGUES:
        source = {(e.msgctxt, e.msgid): e.msgstr or dict(e.msgstr_plural).get(0, "")
                  for e in polib.pofile(str(path)) if e.translated() and not e.obsolete and not e.fuzzy}
        compiled = {(e.msgctxt, e.msgid): e.msgstr or dict(e.msgstr_plural).get(0, "")
                    for e in polib.mofile(str(path.with_suffix(".mo"))) if e.msgid}
        assert source == compiled, path
