#!/usr/bin/env python3
"""Check that every committed .mo file matches its .po file.

The compiled catalogs are committed so that `make run` works on a machine without
gettext. This check compiles each .po with msgfmt into a temporary file (as Django's
compilemessages does) and compares the catalogs message by message, so a .po edited
without `make translations` fails the build. Comparing the parsed catalogs rather than
the bytes keeps the check independent of the msgfmt version.

Without msgfmt the check is skipped with a message, or fails when CI=true.
"""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", ".git", "build", "dist", "node_modules"}


def catalogs() -> list[Path]:
    found = []
    for directory, subdirs, files in os.walk(ROOT / "qamqor"):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS)
        found += [Path(directory) / name for name in sorted(files) if name.endswith(".po")]
    return found


def messages(mo_file: Path) -> dict[object, str]:
    with mo_file.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]


def main() -> int:
    po_files = catalogs()
    if not po_files:
        print("no translation catalogs (.po) found; nothing to check")
        return 0
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        text = "msgfmt not found (Debian package: gettext); cannot check the .mo files"
        if os.environ.get("CI", "").lower() == "true":
            print(f"error: {text}", file=sys.stderr)
            return 1
        print(f"SKIPPED: {text}")
        return 0
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
        return 1
    print(f"{len(po_files)} catalogs: every .mo matches its .po")
    return 0


if __name__ == "__main__":
    sys.exit(main())
