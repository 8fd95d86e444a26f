"""The legal bases of the protocols in the reader's language: the first versions' English
strings through the catalogue (qamqor/protocols/bases.json), later versions written in
kk/ru/en in the definition itself."""

from __future__ import annotations

import copy
from html import escape

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from qamqor.protocols import definitions
from qamqor.protocols.definitions import LoadedDefinition, Texts
from tests.factories import World


def every_basis() -> list[tuple[str, str, definitions.HasBasis]]:
    """(file, protocol or step, its owner) for every basis of every shipped definition."""
    found: list[tuple[str, str, definitions.HasBasis]] = []
    for item in definitions.load_all().values():
        found.append((item.path, "protocol", item.spec))
        found += [(item.path, step.key, step) for step in item.spec.steps]
    return found


def test_every_basis_of_every_definition_reads_in_kazakh_russian_and_english() -> None:
    bases = every_basis()
    assert len(bases) > 100  # every step of every version, not a sample
    for path, where, owner in bases:
        texts = {language: owner.basis_in(language) for language in ("kk", "ru", "en")}
        for language, shown in texts.items():
            assert shown.language == language, (path, where, language)
            assert shown.text.strip(), (path, where, language)
        assert texts["kk"].text != texts["en"].text, (path, where)
        assert texts["ru"].text != texts["en"].text, (path, where)
    definitions.check_bases(definitions.load_all().values(), definitions.bases())


def _bullying(version: int = 4) -> LoadedDefinition:
    return definitions.load_all()[("bullying_outside_family", version)]


def test_a_basis_missing_from_the_catalogue_names_the_file_the_step_and_the_language() -> None:
    item = _bullying()
    step = item.spec.steps[2]
    catalogue = copy.deepcopy(definitions.bases())
    del catalogue[str(step.basis)]["kk"]
    with pytest.raises(definitions.DefinitionError) as error:
        definitions.check_bases([item], catalogue)
    message = str(error.value)
    assert f"{item.path}: step {step.key!r}: basis has no kk text in bases.json" in message
    assert "no ru text" not in message

    catalogue = {text: entry for text, entry in catalogue.items() if text != item.spec.basis}
    with pytest.raises(definitions.DefinitionError) as error:
        definitions.check_bases([item], catalogue)
    message = str(error.value)
    assert f"{item.path}: protocol: basis has no kk text" in message
    assert f"{item.path}: protocol: basis has no ru text" in message


def test_an_entry_no_definition_uses_is_refused() -> None:
    catalogue = {**definitions.bases(), "Order No. 1 p.1": {"kk": "№ 1", "ru": "№ 1"}}
    with pytest.raises(definitions.DefinitionError) as error:
        definitions.check_bases(definitions.load_all().values(), catalogue)
    assert "bases.json: 'Order No. 1 p.1' is the basis of no definition" in str(error.value)


def test_a_basis_written_in_three_languages_needs_no_catalogue_entry() -> None:
    raw = copy.deepcopy(_bullying().raw)
    raw["version"] = 99
    raw["basis"] = {"kk": "Негіз", "ru": "Основание", "en": "Basis"}
    for number, step in enumerate(raw["steps"]):
        step["basis"] = {"kk": f"{number}-т.", "ru": f"п. {number}", "en": f"p. {number}"}
    spec = definitions.parse(raw, name="bullying_outside_family.v99.json")
    assert isinstance(spec.basis, Texts)
    assert spec.basis_in("kk") == ("kk", "Негіз")
    assert spec.steps[1].basis_in("ru") == ("ru", "п. 1")
    item = LoadedDefinition(
        spec=spec,
        raw=raw,
        checksum=definitions.checksum(raw),
        path="bullying_outside_family.v99.json",
    )
    definitions.check_bases([item], {})  # nothing to look up, nothing unused

    raw["steps"][0]["basis"] = {"kk": "", "ru": "п. 0", "en": "p. 0"}
    with pytest.raises(definitions.DefinitionError, match="step 'school_log'"):
        definitions.parse(raw, name="bullying_outside_family.v99.json")


def test_the_protocol_page_in_kazakh_shows_the_kazakh_basis(world: World) -> None:
    item = _bullying()
    client = Client(HTTP_ACCEPT_LANGUAGE="kk")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    client.force_login(world.national)
    response = client.get(reverse("protocol-version", args=["bullying_outside_family", 4]))
    assert response.status_code == 200
    # the steps as described (the raw file's line-by-line difference above them is code)
    html = response.content.decode().split('id="definition-title"', 1)[1]
    kazakh = definitions.bases()
    assert f'<dd lang="kk">{escape(kazakh[str(item.spec.basis)]["kk"])}</dd>' in html
    for step in item.spec.steps:
        shown = f'<dd class="muted" lang="kk">{escape(kazakh[str(step.basis)]["kk"])}</dd>'
        assert shown in html, step.key
        assert escape(str(step.basis)) not in html, step.key
    assert 'lang="en"' not in html
