"""Token writes over the real CSRF path (docs/decisions/0008).

Django's test client skips CSRF unless asked, which is how every token write answering
403 "CSRF check Failed" went unnoticed. Every client here enforces CSRF, and the list of
write operations comes from the OpenAPI document, so a new endpoint is covered without
editing this file.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from qamqor.accounts.models import ApiToken, User
from tests.factories import World, register_case, submit_report

WRITE_METHODS = {"post", "put", "patch", "delete"}


def _write_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """Every (method, path, operation) of the OpenAPI document that changes something."""
    from qamqor.api import api

    document = api.get_openapi_schema()
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in WRITE_METHODS
    ]


def _sample(schema: dict[str, Any]) -> str:
    if schema.get("type") == "integer":
        return "1"
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("format") == "date":
        return "2026-01-05"
    return "x"


def _url(path: str, operation: dict[str, Any]) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", _sample(parameter["schema"]))
    return path


def token_client(user: User, **extra: Any) -> Client:
    _token, raw = ApiToken.issue(user, "integration")
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"}, **extra)


WRITES = _write_operations()


def test_the_document_lists_write_operations() -> None:
    # the parametrisation below is only as good as this list
    assert len(WRITES) > 40
    assert {method for method, _path, _op in WRITES} >= {"POST", "PUT", "PATCH"}


@pytest.mark.parametrize(
    ("method", "path", "operation"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES]
)
def test_every_write_operation_accepts_a_token_without_csrf(
    world: World, method: str, path: str, operation: dict[str, Any]
) -> None:
    client = token_client(world.national)
    response = client.generic(method, _url(path, operation), "{}", "application/json")
    body = response.content.decode()
    assert not (response.status_code == 403 and "CSRF" in body), body
    schemes = {name for option in operation.get("security", []) for name in option}
    if "TokenAuth" in schemes or not schemes:
        # authenticated as the token's user (or public): the handler or its validation answered
        assert response.status_code != 401, body
    else:
        # a session-only operation refuses a token as not signed in, not as a CSRF failure
        assert response.status_code == 401, body
    assert response.status_code < 500, body
    assert response["Content-Type"].startswith("application/json")


def test_a_token_write_is_carried_out(world: World) -> None:
    """One write end to end: the token's user registers a report as a case."""
    report = submit_report(world.a.school)
    response = token_client(world.coordinator_a).post(
        f"/api/v1/reports/{report.public_id}/register",
        {
            "summary": "Bullying in class 7A.",
            "forms": ["bullying"],
            "setting": "school",
            "risk_level": "medium",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    report.refresh_from_db()
    assert report.case is not None and report.case.number == response.json()["number"]


def _session_client(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_a_session_write_needs_the_csrf_token(world: World) -> None:
    case = register_case(world)
    client = _session_client(world.coordinator_a)
    url = f"/api/v1/cases/{case.number}/messages"

    refused = client.post(url, {"body": "Police visited today."}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.content.decode()
    assert case.messages.count() == 0

    # what a page gives the browser: the CSRF cookie, echoed in the header by htmx/fetch
    token = "k" * 32
    client.cookies["csrftoken"] = token
    accepted = client.post(
        url,
        {"body": "Police visited today."},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 201, accepted.content
    assert case.messages.count() == 1


def test_a_token_with_another_users_session_cookie_acts_as_the_token_user(
    world: World,
) -> None:
    case = register_case(world)
    # signed in as the region B coordinator (who cannot see the case) and sending the
    # region A coordinator's token: the token decides
    client = token_client(world.coordinator_a)
    client.force_login(world.coordinator_b)
    response = client.post(
        f"/api/v1/cases/{case.number}/messages",
        {"body": "Sent by the integration."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    message = case.messages.get()
    assert message.author == world.coordinator_a

    # and the other way round: the session of someone who may see it does not rescue a
    # token of someone who may not
    client = token_client(world.coordinator_b)
    client.force_login(world.coordinator_a)
    response = client.get(f"/api/v1/cases/{case.number}")
    assert response.status_code == 404


def test_an_invalid_token_is_refused_even_with_a_valid_session(world: World) -> None:
    client = Client(enforce_csrf_checks=True, headers={"Authorization": "Bearer not-a-key"})
    client.force_login(world.coordinator_a)
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_token_write_over_a_real_http_connection(
    transactional_db: None, live_server: Any
) -> None:
    """The integrations' path end to end: a socket, no test client in between."""
    import json
    import urllib.error
    import urllib.request

    from tests.factories import build_world

    world = build_world()
    case = register_case(world)
    _token, raw = ApiToken.issue(world.coordinator_a, "telephony")
    url = f"{live_server.url}/api/v1/cases/{case.number}/messages"
    body = json.dumps({"body": "Written by the integration."}).encode()

    request = urllib.request.Request(  # noqa: S310 (the live test server's http URL)
        url,
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 201
        assert json.loads(response.read())["author"] == str(world.coordinator_a)
    assert case.messages.get().author == world.coordinator_a

    # the same write with a browser's session cookie and no CSRF token is refused
    session = Client()
    session.force_login(world.coordinator_a)
    cookie = f"sessionid={session.cookies['sessionid'].value}"
    request = urllib.request.Request(  # noqa: S310
        url,
        data=body,
        method="POST",
        headers={"Cookie": cookie, "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    assert refused.value.code == 403
    assert "CSRF" in refused.value.read().decode()
    assert case.messages.count() == 1
