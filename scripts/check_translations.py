#!/usr/bin/env python3
"""Check that the catalogs are in step with the source and every .mo with its .po.

1. Every message the code and templates use is in qamqor/locale/kk and ru django.po,
   translated and not fuzzy. Django's makemessages runs over a temporary copy of the
   source into a temporary copy of the catalogs (the real ones are never touched); a
   message that the merge adds untranslated, or marks fuzzy, is named. A new
   ``{% translate %}`` shipped without its Kazakh and Russian text fails here.
2. The compiled catalogs are committed so that `make run` works on a machine without
   gettext. Each .po is compiled with msgfmt into a temporary file (as Django's
   compilemessages does) and compared message by message with the committed .mo, so a
   .po edited without `make translations` fails the build. Comparing the parsed catalogs
   rather than the bytes keeps the check independent of the msgfmt version.

Without gettext's tools the check is skipped with a message, or fails when CI=true.
"""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", ".git", "build", "dist", "node_modules"}
CHECKED_LANGUAGES = ("kk", "ru")
GETTEXT_TOOLS = ("msgfmt", "xgettext", "msgmerge", "msgattrib")
# makemessages in a child process, run in the temporary copy of the source: the
# temporary catalogs are the only LOCALE_PATHS, and the copy has no locale folder of its
# own, so nothing is written next to the real catalogs.
MAKEMESSAGES = """
import sys
import django
from django.core.management import call_command
from django.test.utils import override_settings

django.setup()
with override_settings(LOCALE_PATHS=[sys.argv[1]]):
    call_command(
        "makemessages", locale=sys.argv[2:], ignore_patterns=["static/vendor/*"], verbosity=0
    )
"""


def catalogs() -> list[Path]:
    found = []
    for directory, subdirs, files in os.walk(ROOT / "qamqor"):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS)
        found += [Path(directory) / name for name in sorted(files) if name.endswith(".po")]
    return found


def messages(mo_file: Path) -> dict[object, str]:
    with mo_file.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]


def _entries(po_text: str) -> list[str]:
    """The messages of a .po text (msgattrib's output) as ``[context] msgid``, header
    left out."""
    found: list[str] = []
    context = msgid = None
    field = None
    for line in [*po_text.splitlines(), ""]:
        if line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr")) or not line:
            if field == "msgid" and msgid:
                found.append(f"[{context}] {msgid}" if context else msgid)
                context = msgid = None
            field = line.split(" ", 1)[0] if line else None
            if field in ("msgctxt", "msgid"):
                value = ast.literal_eval(line.split(" ", 1)[1])
                context, msgid = (value, msgid) if field == "msgctxt" else (context, value)
        elif line.startswith('"') and field in ("msgctxt", "msgid"):
            value = ast.literal_eval(line)
            if field == "msgctxt":
                context = (context or "") + value
            else:
                msgid = (msgid or "") + value
    return found


def out_of_step(tools: dict[str, str]) -> list[str]:
    """Messages of the source that kk or ru django.po lacks, leaves untranslated or marks
    fuzzy, as makemessages would leave them after merging the source."""
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "qamqor"
        shutil.copytree(
            ROOT / "qamqor",
            source,
            ignore=shutil.ignore_patterns("locale", "__pycache__", "vendor", "*.mo"),
        )
        locale = Path(scratch) / "locale"
        for language in CHECKED_LANGUAGES:
            shutil.copytree(ROOT / "qamqor" / "locale" / language, locale / language)
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "qamqor.settings",
            "DATABASE_URL": "sqlite://:memory:",
            "PYTHONPATH": str(ROOT),
        }
        result = subprocess.run(  # noqa: S603 - this interpreter on our own source copy
            [sys.executable, "-c", MAKEMESSAGES, str(locale), *CHECKED_LANGUAGES],
            cwd=source,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            return [f"makemessages failed:\n{result.stderr.strip()}"]
        for language in CHECKED_LANGUAGES:
            merged = locale / language / "LC_MESSAGES" / "django.po"
            for flag, what in (("--untranslated", "untranslated"), ("--only-fuzzy", "fuzzy")):
                listed = subprocess.run(  # noqa: S603 - msgattrib from PATH on a copy
                    [tools["msgattrib"], flag, "--no-obsolete", str(merged)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                problems += [
                    f"qamqor/locale/{language}/LC_MESSAGES/django.po: {what} or missing: "
                    f"{message!r}"
                    for message in _entries(listed.stdout)
                ]
    return problems


def main() -> int:
    po_files = catalogs()
    if not po_files:
        print("no translation catalogs (.po) found; nothing to check")
        return 0
    tools = {name: shutil.which(name) for name in GETTEXT_TOOLS}
    missing = sorted(name for name, path in tools.items() if path is None)
    if missing:
        text = (
            f"{', '.join(missing)} not found (Debian package: gettext); cannot check the catalogs"
        )
        if os.environ.get("CI", "").lower() == "true":
            print(f"error: {text}", file=sys.stderr)
            return 1
        print(f"SKIPPED: {text}")
        return 0
    msgfmt = str(tools["msgfmt"])
    in_step = out_of_step({name: str(path) for name, path in tools.items()})
    for problem in in_step:
        print(f"error: {problem}", file=sys.stderr)
    if in_step:
        print(
            "add the Kazakh and Russian texts of these messages to the .po files "
            "(qamqor/locale/README.md), then `make translations`",
            file=sys.stderr,
        )
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        for po_file in po_files:
            name = po_file.relative_to(ROOT)
            mo_file = po_file.with_suffix(".mo")
            fresh = Path(scratch) / "fresh.mo"
            result = subprocess.run(  # noqa: S603 - msgfmt from PATH on our own files
                [msgfmt, "--check-format", "-o", str(fresh), str(po_file)],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                problems.append(f"{name}: msgfmt failed:\n{result.stderr.strip()}")
            elif not mo_file.exists():
                problems.append(f"{name}: no compiled {mo_file.name} next to it")
            elif messages(mo_file) != messages(fresh):
                problems.append(f"{name}: {mo_file.name} is out of date")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print("run `make translations` and commit the .mo files", file=sys.stderr)
    if problems or in_step:
        return 1
    print(
        f"{len(po_files)} catalogs: every message of the source is translated in "
        f"{' and '.join(CHECKED_LANGUAGES)}, every .mo matches its .po"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
