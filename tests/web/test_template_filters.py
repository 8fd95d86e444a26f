"""The ``pick`` filter reads {kk, ru, en} texts whether they come as dicts or schema objects."""

from __future__ import annotations

from django.utils import translation

from qamqor.protocols.definitions import Texts
from qamqor.web.templatetags.qamqor import pick


def test_pick_reads_dicts_and_schema_objects_in_the_active_language() -> None:
    texts = {"kk": "Сәлем", "ru": "Привет", "en": "Hello"}
    with translation.override("kk"):
        assert pick(texts) == "Сәлем"
        assert pick(Texts(**texts)) == "Сәлем"
    with translation.override("en"):
        assert pick(Texts(**texts)) == "Hello"
    assert pick(None) == ""
