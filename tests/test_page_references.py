"""Every name a page refers to exists: each template a view renders and each template a
template includes or extends, and each URL name a template (menus, forms, htmx
attributes) or a view (``reverse``, ``redirect``) asks for. Pages moved between apps with
their templates renamed; a reference left behind would otherwise surface only as a 500
on the page that holds it.

The scan reads the source text (literal names only: a name built at run time, such as a
notification's template, is tested where it is built)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, engines
from django.template.backends.django import DjangoTemplates

from tests.test_url_names import current_routes

PACKAGE = Path(settings.BASE_DIR)
TEMPLATE_TAG = re.compile(r"""\{%\s*(?:include|extends)\s+["']([^"']+)["']""")
URL_TAG = re.compile(r"""\{%\s*url\s+["']([^"']+)["']""")
TEMPLATE_IN_CODE = re.compile(r"""["']([\w/.-]+\.html)["']""")
URL_IN_CODE = re.compile(r"""\b(?:reverse|reverse_lazy|redirect)\(\s*["']([\w:-]+)["']""")


def our_template_files() -> list[Path]:
    engine = engines["django"]
    assert isinstance(engine, DjangoTemplates)
    directories = [Path(d) for d in engine.template_dirs if Path(d).is_relative_to(PACKAGE)]
    return [f for d in directories for f in d.rglob("*") if f.suffix in {".html", ".txt"}]


def our_code_files() -> list[Path]:
    return [f for f in PACKAGE.rglob("*.py") if "migrations" not in f.parts]


def missing_templates(names: set[str]) -> set[str]:
    engine = engines["django"]
    missing = set()
    for name in names:
        try:
            engine.get_template(name)
        except TemplateDoesNotExist:
            missing.add(name)
    return missing


def test_scans_read_the_moved_pages() -> None:
    """The scans below see the apps' own templates and views, not only the project's."""
    templates = {f.relative_to(PACKAGE).parts[0] for f in our_template_files()}
    assert {"cases", "intake", "protocols", "templates"} <= templates
    code = {f.relative_to(PACKAGE).as_posix() for f in our_code_files()}
    assert {"cases/views/page.py", "protocols/views.py", "intake/views/triage.py"} <= code


def test_every_included_or_extended_template_exists() -> None:
    named = {
        (file.name, name)
        for file in our_template_files()
        for name in TEMPLATE_TAG.findall(file.read_text(encoding="utf-8"))
    }
    missing = missing_templates({name for _file, name in named})
    assert sorted((file, name) for file, name in named if name in missing) == []


def test_every_template_a_view_renders_exists() -> None:
    named = {
        (file.relative_to(PACKAGE).as_posix(), name)
        for file in our_code_files()
        for name in TEMPLATE_IN_CODE.findall(file.read_text(encoding="utf-8"))
    }
    missing = missing_templates({name for _file, name in named})
    assert sorted((file, name) for file, name in named if name in missing) == []


def test_every_url_name_a_template_or_view_asks_for_exists() -> None:
    known = {name for name, _route in current_routes()}
    asked = {
        (file.relative_to(PACKAGE).as_posix(), name)
        for file in [*our_template_files(), *our_code_files()]
        for pattern in (URL_TAG, URL_IN_CODE)
        for name in pattern.findall(file.read_text(encoding="utf-8"))
    }
    assert sorted((file, name) for file, name in asked if name not in known) == []
