"""The second factor (docs/security.md): who must enter a code, enrolment, recovery codes,
re-entry before exports, and the API token path that is not asked."""

from __future__ import annotations

import re
import time
from typing import Any

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qamqor.accounts.models import ApiToken, Role, User
from qamqor.accounts.second_factor import SECOND_FACTOR_ROLES, VERIFIED_AT_SESSION_KEY
from tests.factories import PASSWORD, World
from tests.support import verify_second_factor


def code_of(device: TOTPDevice) -> str:
    """The code the user's authenticator app shows now."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0)
    return f"{value:0{device.digits}d}"


def unthrottle(device: TOTPDevice) -> None:
    """Forget a wrong code's wait (one second, doubling), as a user does by waiting."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")


def csrf_post(client: Client, url: str, data: dict[str, str]) -> Any:
    """A form post as a browser makes it: with the token of the CSRF cookie."""
    if "csrftoken" not in client.cookies:
        client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def password_login(client: Client, username: str) -> Any:
    """Sign in with the password; the user reads English, so the checks read the English text
    (signing in applies the user's own language, not the browser's)."""
    User.objects.filter(username=username).update(preferred_language="en")
    return csrf_post(client, reverse("login"), {"username": username, "password": PASSWORD})


def test_every_role_but_the_monitor_needs_the_second_factor() -> None:
    assert set(Role) - SECOND_FACTOR_ROLES == {Role.MONITOR}


def test_enrolment_by_qr_code_then_recovery_codes_then_signed_in(world: World) -> None:
    client = csrf_client()
    response = password_login(client, "coordinator_a")
    assert response.status_code == 302
    # the password alone opens nothing: every page leads to enrolment
    cases = client.get(reverse("case-list"))
    assert cases.status_code == 302
    assert cases["Location"].startswith(reverse("otp-setup"))
    setup = client.get(cases["Location"])
    html = setup.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    wrong = csrf_post(client, cases["Location"], {"code": "000000"})
    assert wrong.status_code == 422
    device = TOTPDevice.objects.get(user=world.coordinator_a, confirmed=False)
    unthrottle(device)
    done = csrf_post(client, cases["Location"], {"code": code_of(device)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=world.coordinator_a).confirmed
    assert client.get(reverse("case-list")).status_code == 200


def test_a_wrong_setup_code_does_not_enrol(world: World) -> None:
    client = csrf_client()
    password_login(client, "coordinator_a")
    client.get(reverse("otp-setup"))
    device = TOTPDevice.objects.get(user=world.coordinator_a, confirmed=False)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"
    response = csrf_post(client, reverse("otp-setup"), {"code": wrong})
    assert response.status_code == 422
    assert "does not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=world.coordinator_a, confirmed=True).exists()
    assert client.get(reverse("case-list")).status_code == 302


def test_login_asks_for_the_code_and_accepts_only_the_right_one(world: World) -> None:
    device = TOTPDevice.objects.create(user=world.psc_a, name="phone", confirmed=True)
    client = csrf_client()
    password_login(client, "psc_a")
    redirected = client.get(reverse("home"))
    assert redirected["Location"].startswith(reverse("otp-verify"))
    wrong = csrf_post(client, reverse("otp-verify"), {"code": "000000"})
    assert wrong.status_code == 422
    assert "not right" in wrong.content.decode()
    assert client.get(reverse("case-list")).status_code == 302
    unthrottle(device)
    right = csrf_post(client, reverse("otp-verify"), {"code": code_of(device), "next": "/cases/"})
    assert right.status_code == 302
    assert right["Location"] == "/cases/"
    assert client.get(reverse("case-list")).status_code == 200


def test_a_recovery_code_works_once(world: World) -> None:
    from qamqor.accounts.second_factor import new_recovery_codes

    TOTPDevice.objects.create(user=world.psc_a, name="phone", confirmed=True)
    codes = new_recovery_codes(world.psc_a)
    client = csrf_client()
    password_login(client, "psc_a")
    used = csrf_post(client, reverse("otp-verify"), {"code": codes[0]})
    assert used.status_code == 302
    assert client.get(reverse("case-list")).status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    again = csrf_client()
    password_login(again, "psc_a")
    refused = csrf_post(again, reverse("otp-verify"), {"code": codes[0]})
    assert refused.status_code == 422


def test_the_monitor_signs_in_with_the_password_alone(world: World) -> None:
    client = csrf_client()
    password_login(client, "monitor")
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_session_that_owes_the_code_gets_401_from_the_api(world: World) -> None:
    client = csrf_client()
    password_login(client, "coordinator_a")
    response = client.get("/api/v1/reports")
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert "authenticator" in body["detail"]


def test_api_tokens_are_not_asked_for_a_code(world: World) -> None:
    _token, raw = ApiToken.issue(world.coordinator_a, "integration")
    response = Client().get("/api/v1/reports", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_exports_need_a_fresh_code(world: World, settings) -> None:
    from tests.factories import register_case

    case = register_case(world)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.coordinator_a)
    summary = reverse("case-summary", args=[case.number])
    assert client.get(summary).status_code == 200  # the code was entered just now
    session = client.session
    session[VERIFIED_AT_SESSION_KEY] = int(time.time()) - settings.OTP_FRESH_MINUTES * 60 - 5
    session.save()
    stale = client.get(summary)
    assert stale.status_code == 302
    assert stale["Location"].startswith(reverse("otp-verify"))
    assert "again=1" in stale["Location"]
    device = TOTPDevice.objects.get(user=world.coordinator_a)
    fresh = client.post(stale["Location"], {"code": code_of(device), "next": summary})
    assert fresh["Location"] == summary
    assert client.get(summary).status_code == 200


def test_the_requirement_can_be_turned_off_for_the_demo(world: World, settings) -> None:
    settings.OTP_REQUIRED = False
    client = csrf_client()
    password_login(client, "coordinator_a")
    assert client.get(reverse("case-list")).status_code == 200
    # who enrolled anyway is still asked
    TOTPDevice.objects.create(user=world.psc_a, name="phone", confirmed=True)
    other = csrf_client()
    password_login(other, "psc_a")
    assert other.get(reverse("case-list")).status_code == 302


def test_the_test_helper_marks_the_session_verified(world: World) -> None:
    client = Client()
    client.force_login(world.coordinator_a)
    device = verify_second_factor(client, world.coordinator_a)
    assert device.confirmed
    assert client.get(reverse("case-list")).status_code == 200


def test_production_refuses_to_start_without_the_second_factor(tmp_path) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "QAMQOR_PRODUCTION": "1",
        "QAMQOR_SECRET_KEY": "x" * 60,
        "QAMQOR_OTP_REQUIRED": "0",
        "QAMQOR_ALLOWED_HOSTS": "example.org",
        "QAMQOR_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import qamqor.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "QAMQOR_OTP_REQUIRED" in result.stderr


def test_the_login_page_says_when_the_second_step_is_off(world: World, settings) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login = client.get(reverse("login"))
    assert login.status_code == 200 and 'name="password"' in login.content.decode()
    assert "second-factor-off" not in login.content.decode()
    settings.OTP_REQUIRED = False
    assert "second-factor-off" in client.get(reverse("login")).content.decode()


def test_the_demo_turns_the_second_step_off_and_says_so(monkeypatch, capsys) -> None:
    from django.conf import settings as live_settings

    from qamqor import cli

    monkeypatch.setattr(live_settings, "OTP_REQUIRED", False)
    cli._print_logins("http://127.0.0.1:8000/")
    printed = capsys.readouterr().out
    assert "OFF in this demo" in printed
    monkeypatch.setattr(live_settings, "OTP_REQUIRED", True)
    cli._print_logins("http://127.0.0.1:8000/")
    assert "OFF in this demo" not in capsys.readouterr().out


def test_an_api_export_in_a_session_needs_a_fresh_code_a_token_does_not(
    world: World,
    settings,
) -> None:
    from qamqor.instruments import services as screening
    from tests.factories import add_school_psychologists, make_pupil
    from tests.instruments.conftest import PHQ_A_CALM

    add_school_psychologists(world)
    _administration, code = screening.invite(
        actor=world.psychologist_a,
        child=make_pupil(world.a.school, age=13),
        instrument_code="phq_a",
        language="ru",
    )
    done = screening.submit_by_code(code=code, answers=PHQ_A_CALM)
    url = f"/api/v1/screenings/administrations/{done.public_id}/fhir"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.psychologist_a)
    assert client.get(url).status_code == 200
    session = client.session
    session[VERIFIED_AT_SESSION_KEY] = int(time.time()) - settings.OTP_FRESH_MINUTES * 60 - 5
    session.save()
    stale = client.get(url)
    assert stale.status_code == 401
    assert "authenticator" in stale.json()["detail"]
    _token, raw = ApiToken.issue(world.psychologist_a, "mis")
    assert Client().get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_the_demo_command_turns_the_requirement_off_unless_told(monkeypatch) -> None:
    import os

    from qamqor import cli

    monkeypatch.setattr(cli, "_setup_django", lambda: None)
    monkeypatch.setattr(cli, "_demo", lambda port: 0)
    monkeypatch.setattr(os, "environ", os.environ.copy())  # the demo's settings stay here
    monkeypatch.delenv("QAMQOR_OTP_REQUIRED", raising=False)
    assert cli.main(["demo"]) == 0
    assert os.environ["QAMQOR_OTP_REQUIRED"] == "0"
    monkeypatch.setenv("QAMQOR_OTP_REQUIRED", "1")  # the operator's choice stands
    cli.main(["demo"])
    assert os.environ["QAMQOR_OTP_REQUIRED"] == "1"
    monkeypatch.delenv("QAMQOR_OTP_REQUIRED")
    monkeypatch.setattr(cli, "_worker", lambda: 0)
    cli.main(["worker"])
    assert "QAMQOR_OTP_REQUIRED" not in os.environ  # only the demo
