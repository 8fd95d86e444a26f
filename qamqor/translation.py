"""Texts held in three languages (kk, ru, en), picked by the active language.

Reference data and protocol definitions store their texts per language rather than in
gettext catalogues, because they are data that changes without a release (DESIGN §5.5).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.db.models import Expression, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation

LANGUAGE_CODES = ("kk", "ru", "en")
FALLBACK_ORDER = ("ru", "en", "kk")


def active_language() -> str:
    code = (translation.get_language() or "ru").split("-")[0]
    return code if code in LANGUAGE_CODES else "ru"


def pick(texts: Mapping[str, str], language: str | None = None) -> str:
    """The text in ``language`` (default: the active one), falling back to ru, en, kk."""
    return pick_with_language(texts, language)[1]


def pick_with_language(texts: Mapping[str, str], language: str | None = None) -> tuple[str, str]:
    """``pick``, and the language of the text it picked (for an element's ``lang``):
    ``(code, text)``, or ``(language, "")`` when there is no text."""
    language = language or active_language()
    if texts.get(language):
        return language, texts[language]
    for code in FALLBACK_ORDER:
        if texts.get(code):
            return code, texts[code]
    return language, ""


def db_name(path: str, language: str | None = None) -> Expression:
    """``pick`` in SQL: the ``name`` of the ``TranslatedName`` at ``path`` (``"region"``,
    ``"school"``) in ``language`` (default: the active one), falling back as ``pick`` does;
    NULL when there is none."""
    language = language or active_language()
    order = [language, *(code for code in FALLBACK_ORDER if code != language)]
    return Coalesce(*(NullIf(F(f"{path}__name_{code}"), Value("")) for code in order))


class TranslatedName(models.Model):
    """A name in Kazakh, Russian and English; ``name`` is the one for the active language."""

    name_kk = models.CharField(max_length=255)
    name_ru = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick({"kk": self.name_kk, "ru": self.name_ru, "en": self.name_en})
