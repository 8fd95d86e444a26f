"""No English on a Kazakh or Russian page: every page each persona can open, rendered once
in ``kk`` and once in ``ru`` through Django's test client, shows no run of English words
outside a short list of codes, units and names.

The world is the synthetic demo at its smallest (every service has data: cases, reports,
referrals, consultations, a screening campaign, training, the library, surveys,
notifications), signed in as each demo login (one per role) and as an anonymous visitor.
The pages are found as a person finds them: from every route without arguments, then by
following the links of each page opened (one address per URL name and persona). What
people typed (a narrative, a name, a message) is theirs and may be English; every text
stored in a free-text column is therefore not a finding, while a choice's stored value,
an organisation's ``name_en`` or a protocol's English text on a Kazakh page is.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from functools import cache
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.test import Client
from django.urls import Resolver404, resolve

from qamqor.accounts.models import User
from tests.test_url_names import ROUTES

# What these tests read (catalogues, templates, number formats) does not depend on the
# database, and they are among the slowest of the suite: they run once, in the SQLite pass.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "postgresql" in settings.DATABASES["default"]["ENGINE"],
        reason="database-independent; runs in the SQLite pass",
    ),
]

# Words and codes that are the same in every language: the product's and standards'
# names, file formats, units, instruments' codes.
ALLOWED = {
    "Qamqor",
    "PDF",
    "CSV",
    "XLSX",
    "JSON",
    "DHIS2",
    "ADX",
    "API",
    "FHIR",
    "OpenAPI",
    "HL7",
    "SMS",
    "SMTP",
    "QR",
    "ID",
    "URL",
    "UTC",
    "TOTP",
    "Telegram",
    "WhatsApp",
    "Google",
    "Authenticator",
    "WHO",
    "UNICEF",
    "PHQ",
    "PHQ-A",
    "GAD",
    "ASQ",
    "C-SSRS",
    "CATS",
    "ICD",
    "ICD-10",
    "MKB",
    "KZ",
    "IIN",
    "Pico",
    "htmx",
    "JPEG",
    "PNG",
    "Excel",
    "LOINC",
    "NIMH",
    "Esc",
    "English",  # a language named in itself, as the language switcher names it
    "FreeOTP",
    "Aegis",
    "Microsoft",
    "Pfizer",
    "Inc",
    "Columbia",
    "Lighthouse",
    "Child",
    "Helpline",
    "International",
    "Questionnaire",
    "QuestionnaireResponse",
    "Kb",
    "KB",
    "MB",
    "km",
}
# What a Latin token may be without being English prose: an address, a case number or a
# code with digits, a single letter (class "7A"), an ISO code.
NOT_WORDS = re.compile(
    r"\be-mail\b|\bMessage-ID\b"  # spelled so in Kazakh and Russian too
    r"|\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b"  # hyphenated codes: C-SSRS, PHQ-A, ABCD-EFGH
    r"|\b[\w-]+\.(?:com|org|kz)\b|\S+@\S+|https?://\S+|www\.\S+|/\S*"  # addresses
    r"|\S*\d\S*|\b[A-Z]{2}\b|\b\w\b"  # with digits, ISO codes, single letters
)
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*")

# Not read: scripts, styles, code, and what a form field holds (a textarea's value is
# the data being edited, in every language at once on an edit page).
SKIP_TAGS = {"script", "style", "template", "code", "pre", "svg", "textarea"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
TEXT_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
BUTTON_INPUTS = {"submit", "button", "reset"}
HREF = re.compile(r'href="([^"#]+)"')


class _Visible(HTMLParser):
    """The text a reader sees or hears: text nodes outside scripts and styles, plus the
    titles, labels, placeholders, alternative texts and the values of buttons. Text in
    an element marked ``lang="en"`` is English on purpose (the language switcher's
    "English", an instrument's original items, a bibliographic reference) and is left
    out: a screen reader reads it as English."""

    def __init__(self, *, skip_english: bool = True, page_language: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.skip_english = skip_english
        self.page_language = page_language
        self.open: list[tuple[str, bool]] = []  # (tag, skipped) of the open elements
        self.texts: list[str] = []

    @property
    def skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = values.get("lang") or ""
        english = lang.startswith("en")
        # Marked as another language on purpose (the language switcher's own names).
        foreign = bool(self.page_language and lang and not lang.startswith(self.page_language))
        skipped = tag in SKIP_TAGS or (english and self.skip_english) or foreign
        if tag not in VOID_TAGS:
            self.open.append((tag, skipped))
        if skipped or self.skipping:
            return
        self.texts += [v for k, v in attrs if k in TEXT_ATTRIBUTES and v]
        if tag == "input" and values.get("type") in BUTTON_INPUTS and values.get("value"):
            self.texts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.texts.append(data)


def visible_texts(html: str, *, skip_english: bool = True, page_language: str = "") -> list[str]:
    parser = _Visible(skip_english=skip_english, page_language=page_language)
    parser.feed(html)
    return [" ".join(text.split()) for text in parser.texts]


@cache
def instrument_names() -> set[str]:
    """The instruments' short names as their authors publish them ("C-SSRS screener")."""
    from qamqor.instruments import definitions

    return {loaded.spec.short_name for loaded in definitions.load_all().values()}


def english_words(text: str) -> list[str]:
    """The Latin words of ``text`` that are not codes, addresses or allowed names."""
    for name in instrument_names():
        text = text.replace(name, " ")
    stripped = NOT_WORDS.sub(" ", text)
    return [w for w in LATIN_WORD.findall(stripped) if w not in ALLOWED and len(w) > 1]


def typed_texts() -> set[str]:
    """Every value of a free-text column (no choices, not a translated ``*_en/_kk/_ru``
    name): what people typed or the demo made up for them, in any language."""
    found: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith(("qamqor.", "django.contrib.auth")):
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
            and not f.choices
            and not f.name.endswith(("_en", "_kk", "_ru"))
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            found.update(v for v in row if isinstance(v, str) and LATIN_WORD.search(v))
    return {" ".join(text.split()) for text in found}


def is_typed(text: str, typed: Iterable[str]) -> bool:
    core = text.strip(" …:.,()«»\"'")
    return any(core in value or (len(value) > 3 and value in core) for value in typed)


def leaks(html: str, typed: set[str]) -> list[str]:
    return [
        text for text in visible_texts(html) if english_words(text) and not is_typed(text, typed)
    ]


# --- Russian on a Kazakh page, Kazakh on a Russian one ------------------------------------


def _normal(text: str) -> str:
    return " ".join(text.split()).strip(" …:.,()«»\"'").casefold()


@cache
def product_texts(language: str) -> frozenset[str]:
    """What the product says in ``language`` ("kk" or "ru") where the other of the two
    says something else: the catalogue's messages and the protocols' and instruments'
    texts. Proper names keep their letters in both (область Ұлытау, «Өркен»), so a
    Kazakh letter on a Russian page is no finding by itself; a whole Kazakh message is."""
    from qamqor.instruments import definitions as instruments
    from qamqor.protocols import definitions as protocols
    from tests.test_translations import po_path, read_po

    other = "ru" if language == "kk" else "kk"
    others = {entry.key: entry.msgstr for entry in read_po(po_path(other))}
    found = {
        text
        for entry in read_po(po_path(language))
        for index, text in entry.msgstr.items()
        if text and text != others.get(entry.key, {}).get(index)
    }

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if {"kk", "ru"} <= value.keys() and value["kk"] != value["ru"]:
                found.add(str(value[language]))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for protocol in protocols.load_all().values():
        walk(protocol.raw)
    for instrument in instruments.load_all().values():
        walk(instrument.spec.model_dump())
    # Short words ("Да", "Код", "Иә") may be a name or a code inside the other language.
    return frozenset(_normal(text) for text in found if len(text) >= 8 and " " in text)


def other_language_texts(html: str, language: str, typed: set[str]) -> list[str]:
    """The texts of a Kazakh page that are the product's Russian, and of a Russian page
    that are its Kazakh. What people typed is theirs, in any language."""
    other = product_texts("ru" if language == "kk" else "kk")
    return [
        text
        for text in visible_texts(html, page_language=language)
        if _normal(text) in other and not is_typed(text, typed)
    ]


def test_a_russian_message_on_a_kazakh_page_is_found() -> None:
    assert len(product_texts("ru")) > 1000 and len(product_texts("kk")) > 1000
    sample = sorted(product_texts("ru"))[0]
    page = f'<html lang="kk"><p>{sample}</p><p lang="ru">{sample}</p></html>'
    assert other_language_texts(page, "kk", set()) == [sample]
    assert other_language_texts(page, "ru", set()) == []


class Persona:
    def __init__(self, name: str, user: User | None) -> None:
        self.name = name
        self.user = user

    def client(self, language: str) -> Client:
        client = Client(headers={"accept-language": language})
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        if self.user is not None:
            if self.user.preferred_language != language:
                User.objects.filter(pk=self.user.pk).update(preferred_language=language)
            client.force_login(self.user)
        return client


def _url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _start_pages() -> Iterator[str]:
    from qamqor.directory.models import Organisation
    from qamqor.surveys.models import Campaign as SurveyCampaign

    for name, route in ROUTES.items():
        if name.startswith("api:") or "<" in route or name in {"logout", "set_language"}:
            continue
        yield "/" + route
    school = Organisation.objects.filter(kind="school").order_by("pk").first()
    if school is not None:
        yield f"/report/{school.code}/"
    for campaign in SurveyCampaign.objects.order_by("pk")[:1]:
        yield f"/survey/{campaign.token}/"


SKIP = {"logout", "set_language", "healthz", "readyz", "telegram-webhook", "api:openapi-view"}


def pages_of(persona: Persona, language: str) -> dict[str, tuple[str, str]]:
    """URL name → (the first address of it that answered 200 with HTML, its HTML),
    following links."""
    client = persona.client(language)
    found: dict[str, tuple[str, str]] = {}
    tried: set[str] = set()
    queue = list(_start_pages())
    while queue:
        url = queue.pop(0)
        path = urlsplit(url).path
        name = _url_name(path)
        if name is None or name in found or name in SKIP or path in tried:
            continue
        if name.startswith("api:"):
            continue
        tried.add(path)
        response = client.get(path)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith(
            "text/html"
        ):
            continue
        html = response.content.decode()
        found[name] = (path, html)
        queue += [unescape(href) for href in HREF.findall(html) if href.startswith("/")]
    return found


def personas() -> list[Persona]:
    from qamqor.demo import DEMO_LOGINS

    people = [Persona("visitor", None)]
    users = User.objects.in_bulk([name for name, _role in DEMO_LOGINS], field_name="username")
    people += [Persona(name, users[name]) for name, _role in DEMO_LOGINS]
    return people


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[set[str]]:
    """The smallest demo, seeded once for this module's tests and rolled back after
    them; yields the typed texts (``typed_texts``)."""
    from qamqor.demo import seed_demo

    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo(schools=2, cases=6, progress=False, rng_seed=7)
        yield typed_texts()
        transaction.set_rollback(True)


def test_no_english_on_kazakh_and_russian_pages(demo: set[str]) -> None:
    started, cpu = time.monotonic(), time.process_time()
    found: dict[tuple[str, str], set[str]] = {}
    rendered = 0
    seen_in_russian: set[str] = set()
    for persona in personas():
        # Kazakh: every page this persona opens (found by following links, so each is
        # rendered once); Russian: each page once, as the first persona to open it, plus
        # this persona's home page (its own menu). A Russian page differs from the
        # Kazakh one only in the catalogue used, and scripts/check_translations.py
        # holds every message of both catalogues translated.
        pages = pages_of(persona, "kk")
        for name, (_path, html) in pages.items():
            rendered += 1
            for text in leaks(html, demo) + other_language_texts(html, "kk", demo):
                found.setdefault(("kk", text), set()).add(f"{persona.name} {name}")
        client = persona.client("ru")
        for name, (path, _html) in sorted(pages.items()):
            if name in seen_in_russian and name != "home":
                continue
            seen_in_russian.add(name)
            response = client.get(path)
            assert response.status_code == 200, (persona.name, path)
            rendered += 1
            html = response.content.decode()
            for text in leaks(html, demo) + other_language_texts(html, "ru", demo):
                found.setdefault(("ru", text), set()).add(f"{persona.name} {name}")
    print(
        f"{rendered} pages rendered in {time.monotonic() - started:.1f} s "
        f"({time.process_time() - cpu:.1f} s of processor time)"
    )
    report = "\n".join(
        f"{language}: {text!r} on {sorted(where)[:3]}"
        for (language, text), where in sorted(found.items())
    )
    assert not found, f"{len(found)} texts in another language on kk/ru pages:\n{report}"


# --- numbers in the reader's language ----------------------------------------------------

# The pages of figures, each opened by the first of these demo logins it lets in.
FIGURE_PAGES = ("statistics", "statistics-report", "screening-dashboard", "care-workload")
FIGURE_READERS = ("national_coordinator", "regional_coordinator", "psc_head", "monitor")
NUMBER = re.compile(r"(?<![\w.,])\d[\d\u00a0\u202f]*(?:[.,]\d+)*(?:[\u00a0 ]?%)?(?![\w.,]?\d)")
DATE = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")


def figures(html: str) -> list[str]:
    """The numbers of a page's visible text, dates (05.12.2026) left out."""
    return [
        number
        for text in visible_texts(html, skip_english=False)
        for number in NUMBER.findall(text)
        if not DATE.match(number)
    ]


def misformatted(number: str, language: str) -> bool:
    """Whether ``number`` is not written as ``language`` writes numbers: a decimal comma
    and "20,4 %" (a space before the sign) in Kazakh and Russian; a decimal point and
    "20.4%" in English. "12,345" is a grouped English number, not a decimal."""
    plain = number.rstrip("%").rstrip("\u00a0 ")
    if len(re.findall(r"[.,]", plain)) > 1 and "." in plain and "," not in plain:
        return False  # a section number ("brief 1.4.1"), not a decimal
    if language == "en":
        decimal_comma = re.search(r",\d{1,2}$|,\d{4,}$", plain) is not None
        return decimal_comma or number.endswith((" %", "\u00a0%"))
    decimal_point = re.search(r"\.\d+$", plain) is not None
    return decimal_point or (number.endswith("%") and not number.endswith((" %", "\u00a0%")))


def test_figures_are_written_as_the_readers_language_writes_numbers(demo: set[str]) -> None:
    """The statistics, the public report, the screening dashboard and the workload report
    in Kazakh, Russian and English: no "401.25" beside "20,4 %" on a Kazakh page."""
    from django.urls import reverse

    readers = [p for p in personas() if p.name in FIGURE_READERS]
    wrong: dict[tuple[str, str], list[str]] = {}
    seen: dict[str, int] = {}
    for name in FIGURE_PAGES:
        for language in ("kk", "ru", "en"):
            for persona in readers:
                response = persona.client(language).get(reverse(name))
                if response.status_code == 200:
                    break
            assert response.status_code == 200, (name, language)
            numbers = figures(response.content.decode())
            seen[f"{name} {language}"] = len(numbers)
            bad = [n for n in numbers if misformatted(n, language)]
            if bad:
                wrong[(name, language)] = bad
    assert all(seen.values()), seen  # every page has figures to check
    assert wrong == {}, wrong
