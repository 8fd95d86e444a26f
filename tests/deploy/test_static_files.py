"""Every static file the production storage collects resolves: no dangling references.

The manifest storage rewrites each ``url()`` and ``sourceMappingURL`` to the hashed name
of its target and refuses to finish when a target is missing; without the manifest every
page fails in production. The whole deployment is checked by
scripts/deploy_check.py (``make test-deploy``); this is the fast check on every run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings

VENDOR = Path(__file__).resolve().parents[2] / "qamqor" / "static" / "vendor"


def test_every_vendored_source_map_reference_is_shipped() -> None:
    referenced = []
    for path in VENDOR.rglob("*"):
        if path.suffix not in {".js", ".css"}:
            continue
        for name in re.findall(r"sourceMappingURL=([^\s*]+)", path.read_text(errors="replace")):
            referenced.append(path.parent / name)
    assert referenced, "Chart.js names its source map"
    assert [str(p.relative_to(VENDOR)) for p in referenced if not p.is_file()] == []


def test_collectstatic_with_the_manifest_storage_succeeds(tmp_path: Path) -> None:
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)

    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert "vendor/pico/pico.min.css" in manifest
    chart = manifest["vendor/chartjs/chart.umd.min.js"]
    hashed_map = manifest["vendor/chartjs/chart.umd.min.js.map"]
    # The script's map reference now names the collected, hashed map.
    assert f"sourceMappingURL={Path(hashed_map).name}" in (tmp_path / chart).read_text()
