"""The instrument definitions' English texts that pages show (licence, each language
version's source and note) are all in the translation catalogues."""

from __future__ import annotations

from django.utils import translation

from qamqor.instruments import definitions
from qamqor.instruments.definition_texts import DEFINITION_TEXTS


def shown_texts() -> set[str]:
    found: set[str] = set()
    for loaded in definitions.load_all().values():
        spec = loaded.spec
        found.add(spec.licence)
        for language in ("kk", "ru", "en"):
            version = getattr(spec.translations, language)
            found |= {version.source, version.note}
    return found - {""}


def test_every_shown_text_of_a_definition_is_listed_for_translation() -> None:
    assert shown_texts() - set(DEFINITION_TEXTS) == set()


def test_the_listed_texts_read_in_kazakh_and_russian() -> None:
    for language in ("kk", "ru"):
        with translation.override(language):
            untranslated = {text for text in DEFINITION_TEXTS if translation.gettext(text) == text}
        assert untranslated == set(), language
