"""The translation catalogues: complete in kk and ru, compiled, and used by the pages.

The .po files are read with a small parser (polib is not a dependency); the .mo files
with the standard library's gettext. "Compiled" is checked by content, not by file
times: a fresh git clone gives every file the checkout time, in no particular order.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import django
import pytest
from django import forms
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.factories import World

LOCALE = Path(settings.LOCALE_PATHS[0])
DJANGO_DIR = Path(django.__file__).parent
TRANSLATED = ("kk", "ru")
PLURAL_FORMS = {
    "ru": (
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);"
    ),
    "kk": "nplurals=2; plural=(n!=1);",
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> str:
        """The msgid as gettext stores it: prefixed with the context, if any."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (contexts, singular and plural messages)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal entry, target, started
        if started:
            entries.append(entry)
        entry, target, started = Entry(), None, False

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#"):
            if started:
                finish()
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith('"'):
            if target is None:
                raise AssertionError(f"{path}: text outside an entry: {line!r}")
            name, index = target
            text = ast.literal_eval(line)
            if name == "msgstr":
                entry.msgstr[index] += text
            elif name == "msgid":
                entry.msgid += text
            elif name == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + text
            elif name == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + text
            continue
        keyword, _, rest = line.partition(" ")
        text = ast.literal_eval(rest)
        if keyword == "msgctxt":
            started, target = True, ("msgctxt", 0)
            entry.msgctxt = text
        elif keyword == "msgid":
            started, target = True, ("msgid", 0)
            entry.msgid = text
        elif keyword == "msgid_plural":
            target = ("msgid_plural", 0)
            entry.msgid_plural = text
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            target = ("msgstr", index)
            entry.msgstr[index] = text
        else:
            raise AssertionError(f"{path}: cannot read line {line!r}")
    finish()
    return entries


def header(entries: list[Entry]) -> dict[str, str]:
    first = entries[0]
    assert first.msgid == "", "the header must come first"
    return {
        name.strip(): value.strip()
        for name, _, value in (line.partition(":") for line in first.msgstr[0].splitlines())
        if name
    }


def po_path(language: str, name: str = "django") -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{name}.po"


def messages(language: str) -> list[Entry]:
    return [entry for entry in read_po(po_path(language)) if entry.msgid and not entry.obsolete]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    entries = read_po(po_path(language))
    assert header(entries)["Plural-Forms"] == PLURAL_FORMS[language]
    assert header(entries)["Language"] == language
    nplurals = int(PLURAL_FORMS[language].split("nplurals=")[1].split(";")[0])
    assert not [e.msgid for e in entries if "fuzzy" in e.flags], "fuzzy entries left"
    untranslated = []
    for entry in messages(language):
        if entry.msgid_plural is None:
            ok = bool(entry.msgstr.get(0))
        else:
            ok = sorted(entry.msgstr) == list(range(nplurals)) and all(entry.msgstr.values())
        if not ok:
            untranslated.append(entry.msgid)
    assert untranslated == []
    assert len(messages(language)) > 300  # the catalogue was not emptied by accident


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_are_kept(language: str) -> None:
    wrong = []
    checked = messages(language)
    assert any(PLACEHOLDER.search(entry.msgid) for entry in checked)  # there is something to keep
    for entry in checked:
        expected = set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr.values():
            if set(PLACEHOLDER.findall(text)) != expected or "{{" in text:
                wrong.append((entry.msgid, text))
    assert wrong == []


def test_english_plural_messages_are_filled() -> None:
    plural = [e for e in messages("en") if e.msgid_plural is not None]
    assert plural
    assert [e.msgid for e in plural if not all(e.msgstr.get(i) for i in (0, 1))] == []


@pytest.mark.parametrize("language", [*TRANSLATED, "en"])
def test_the_compiled_catalogue_matches_the_po_file(language: str) -> None:
    """Every translated message of the .po is in the .mo with the same text."""
    with po_path(language).with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    assert len(compiled) > 1  # the catalogue is read: checking an empty one proves nothing
    stale = []
    for entry in messages(language):
        if entry.msgid_plural is None:
            if entry.msgstr.get(0) and compiled.get(entry.key) != entry.msgstr[0]:
                stale.append(entry.key)
        else:
            for index, text in entry.msgstr.items():
                if text and compiled.get((entry.key, index)) != text:
                    stale.append(entry.key)
    assert stale == [], "run `make translations` (compilemessages) and commit the .mo files"


@pytest.mark.parametrize("language", TRANSLATED)
def test_django_messages_are_merged_and_match_django(language: str) -> None:
    """django_extra.po is merged into django.po, with msgids exactly as in Django's source."""
    extra = [e for e in read_po(po_path(language, "django_extra")) if e.msgid]
    assert extra
    merged = {e.msgid for e in messages(language)}
    assert [e.msgid for e in extra if e.msgid not in merged] == [], (
        "run msgcat --use-first django.po django_extra.po -o django.po (qamqor/locale/README.md)"
    )
    django_ids = {
        e.msgid
        for catalogue in ("conf/locale", "contrib/auth/locale")
        for e in read_po(DJANGO_DIR / catalogue / "en" / "LC_MESSAGES" / "django.po")
    }
    assert [e.msgid for e in extra if e.msgid not in django_ids] == []


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 дело"), (3, "3 дела"), (5, "5 дел"), (11, "11 дел"), (21, "21 дело")],
)
def test_russian_plural_forms(count: int, expected: str) -> None:
    with translation.override("ru"):
        text = translation.ngettext("%(counter)s case", "%(counter)s cases", count)
    assert text % {"counter": count} == expected


@pytest.mark.parametrize("language", TRANSLATED)
def test_django_validation_messages_are_translated(language: str) -> None:
    english = {
        "Ensure this value has at most 5 characters (it has 8).",
        "Ensure this value is less than or equal to 17.",
        "Enter a valid email address.",
    }
    with translation.override(language):
        found = set()
        for field_, value in (
            (forms.CharField(max_length=5), "abcdefgh"),
            (forms.IntegerField(max_value=17), "30"),
            (forms.EmailField(), "not-an-email"),
        ):
            with pytest.raises(forms.ValidationError) as error:
                field_.clean(value)
            found |= set(error.value.messages)
    assert len(found) == 3
    assert not found & english


@pytest.mark.parametrize("language", TRANSLATED)
def test_report_form_page_is_in_the_chosen_language(
    client: Client, world: World, language: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = f"/report/{world.a.school.code}/"
    page = client.get(url).content.decode()
    with translation.override(language):
        label = translation.gettext("What happened?")
        send = translation.gettext("Send the report")
        too_short = translation.gettext("Please write at least a few words (10 characters).")
    assert label != "What happened?"
    assert f'lang="{language}"' in page
    assert label in page and send in page
    assert "What happened?" not in page and "Send the report" not in page

    response = client.post(url, {"narrative": "x", "setting": "school", "reporter_role": "child"})
    assert too_short != "Please write at least a few words (10 characters)."
    assert too_short in response.content.decode()


def test_one_english_word_with_several_meanings_has_a_context_each() -> None:
    """ "Reference" is a referral's number, a legal document or a citation: one msgid each."""
    with translation.override("ru"):
        texts = {
            translation.pgettext(context, "Reference")
            for context in ("referral number", "legal document reference", "bibliographic citation")
        }
        directions = {
            translation.pgettext("referral direction", "received"),
            translation.pgettext("appeal status", "received"),
        }
    assert len(texts) == 3 and len(directions) == 2


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "В списке 1 учащийся."), (3, "В списке 3 учащихся."), (21, "В списке 21 учащийся.")],
)
def test_counted_messages_have_plural_forms(count: int, expected: str) -> None:
    with translation.override("ru"):
        text = translation.ngettext(
            "%(count)s pupil is on the list.", "%(count)s pupils are on the list.", count
        )
    assert text % {"count": count} == expected


@pytest.mark.parametrize("language", TRANSLATED)
def test_staff_entry_speaks_to_staff_not_to_the_child(
    client: Client, world: World, language: str
) -> None:
    """The staff entry form has formal labels of its own, not the child form's ты / сен."""
    client.force_login(world.coordinator_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/reports/new/").content.decode()
    with translation.override(language):
        staff = translation.gettext("Reporter's name")
        child = {translation.gettext(t) for t in ("Your name", "Who are you?", "What happened?")}
    assert staff != "Reporter's name" and staff in page
    assert not [text for text in child if text in page]
