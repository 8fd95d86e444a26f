"""Each template name is found in one template directory only: the project's
``templates/`` and every app's ``templates/``. A second copy would be shadowed silently
by whichever directory Django searches first, so an app's page could render another
app's file."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from django.template import engines
from django.template.backends.django import DjangoTemplates


def template_directories() -> list[Path]:
    engine = engines["django"]
    assert isinstance(engine, DjangoTemplates)
    return [Path(directory) for directory in engine.template_dirs]


def test_no_template_name_is_in_two_directories() -> None:
    places: dict[str, list[str]] = defaultdict(list)
    for directory in template_directories():
        for file in directory.rglob("*"):
            if file.is_file():
                places[file.relative_to(directory).as_posix()].append(str(directory))
    assert {name: found for name, found in places.items() if len(found) > 1} == {}


def test_the_directories_searched_include_the_apps_own() -> None:
    """The check above reads the apps' template directories, not only the project's."""
    names = {directory.parent.name for directory in template_directories()}
    assert {"protocols", "care", "referrals"} <= names
