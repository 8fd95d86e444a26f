"""In production the probes answer plain HTTP; every other path redirects to HTTPS."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
from django.test import Client
client = Client()
out = {}
for path in ("/healthz", "/readyz", "/login/"):
    response = client.get(path)
    out[path] = [response.status_code, response.get("Location", "")]
print(json.dumps(out))
"""


def test_probes_are_exempt_from_the_ssl_redirect() -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    environment.update(
        QAMQOR_PRODUCTION="1",
        QAMQOR_SECRET_KEY=secrets.token_urlsafe(64),
        QAMQOR_ALLOWED_HOSTS="testserver",
        DATABASE_URL="sqlite://:memory:",  # not migrated: /readyz answers, with 503
    )
    result = subprocess.run(  # noqa: S603  fixed arguments, our own manage.py
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    statuses = json.loads(result.stdout.strip().splitlines()[-1])
    assert statuses["/healthz"] == [200, ""]
    assert statuses["/readyz"] == [503, ""]  # the probe itself answered: no redirect
    assert statuses["/login/"] == [301, "https://testserver/login/"]
