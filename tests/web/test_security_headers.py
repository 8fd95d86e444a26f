"""Content-Security-Policy on every page, framing only for the embed form and only by the
configured school and ministry sites (docs/security.md)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client

from tests.factories import World


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.mark.parametrize("path", ["/", "/login/", "/followup/", "/report/"])
def test_public_pages_have_a_policy_without_inline_code(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"][0] == "'self'"
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_staff_pages_have_the_policy(client: Client, world: World) -> None:
    client.force_login(world.users["coordinator_a"])
    response = client.get("/reports/")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"][0] == "'self'"


def test_the_report_form_has_no_inline_script_or_style(client: Client, world: World) -> None:
    response = client.get(f"/report/{world.a.school.code}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<form" in page and "<script " in page  # the form and its (external) scripts
    assert "<script>" not in page
    assert " style=" not in page
    assert " onclick=" not in page


def test_embed_form_may_be_framed_by_nobody_by_default(client: Client, world: World) -> None:
    response = client.get(f"/embed/report/{world.a.school.code}/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    policy = directives(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    # the rest of the site's policy still applies to the embed page
    assert policy["script-src"][0] == "'self'"


def test_embed_form_may_be_framed_by_the_configured_sites(
    client: Client, world: World, settings: object
) -> None:
    settings.EMBED_FRAME_ANCESTORS = [  # type: ignore[attr-defined]
        "https://school12.edu.kz",
        "https://*.edu.gov.kz",
    ]
    response = client.get(f"/embed/report/{world.a.school.code}/")
    policy = directives(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["https://school12.edu.kz", "https://*.edu.gov.kz"]
    # every other page stays unframeable
    other = directives(client.get(f"/report/{world.a.school.code}/")["Content-Security-Policy"])
    assert other["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    "value", ["https:", "*", "http://school.kz", "https://a.kz; script-src *", "'self'"]
)
def test_a_frame_ancestor_that_is_not_an_https_origin_is_refused_at_start(value: str) -> None:
    environment = {**os.environ, "QAMQOR_EMBED_FRAME_ANCESTORS": value}
    environment["DATABASE_URL"] = "sqlite://:memory:"
    result = subprocess.run(
        [sys.executable, "-c", "import qamqor.settings"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "QAMQOR_EMBED_FRAME_ANCESTORS" in result.stderr


def test_a_configured_https_origin_is_accepted_at_start() -> None:
    environment = {**os.environ, "QAMQOR_EMBED_FRAME_ANCESTORS": "https://*.edu.kz"}
    environment["DATABASE_URL"] = "sqlite://:memory:"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import qamqor.settings as s; print(s.EMBED_FRAME_ANCESTORS)",
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "https://*.edu.kz" in result.stdout
