"""No 5xx from input (DESIGN §5.7; docs/api.md, "Limits"): pagination bounds, broken
multipart bodies, bodies over the limits, and the database going away.

The operations are read from the OpenAPI document, so a new endpoint is covered as soon
as it exists.
"""

from __future__ import annotations

import io
from typing import Any
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from PIL import Image

from qamqor.accounts.models import ApiToken, User
from qamqor.intake.models import Report, ReportAttachment
from tests.factories import REPORT_DATA, World
from tests.support import verify_second_factor

EN = {"Accept-Language": "en"}  # the messages compared below are the English ones
HUGE = 2**63  # one past int64: had answered 500
ALL_METHODS = {"get", "post", "put", "patch", "delete"}


def _document() -> dict[str, Any]:
    from qamqor.api import api

    return api.get_openapi_schema()


def _operations(methods: set[str]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in _document()["paths"].items()
        for method, operation in operations.items()
        if method in methods
    ]


def _url(path: str, operation: dict[str, Any]) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            schema = parameter["schema"]
            value = (
                "1"
                if schema.get("type") == "integer"
                else "00000000-0000-4000-8000-000000000000"
                if schema.get("format") == "uuid"
                else "x"
            )
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


def _query_names(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


def _token_client(user: User) -> Client:
    _token, raw = ApiToken.issue(user, "limits")
    return Client(
        enforce_csrf_checks=True,
        headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"},
    )


LISTS = [op for op in _operations({"get"}) if {"limit", "offset"} <= _query_names(op[2])]
EVERY = _operations(ALL_METHODS)


def _id(op: tuple[str, str, dict[str, Any]]) -> str:
    return f"{op[0]} {op[1]}"


# --- pagination ---------------------------------------------------------------------------


def test_list_endpoints_are_found() -> None:
    assert len(LISTS) >= 10


@pytest.mark.parametrize("operation", LISTS, ids=[_id(op) for op in LISTS])
def test_every_list_declares_bounded_pagination(operation: tuple[str, str, Any]) -> None:
    parameters = {p["name"]: p["schema"] for p in operation[2]["parameters"]}
    assert parameters["limit"]["minimum"] == 1 and parameters["limit"]["maximum"] <= 500
    assert parameters["offset"]["minimum"] == 0
    assert parameters["offset"]["maximum"] < 2**31


@pytest.mark.parametrize("operation", LISTS, ids=[_id(op) for op in LISTS])
@pytest.mark.parametrize("name", ["limit", "offset"])
def test_pagination_beyond_its_bounds_is_a_422_naming_the_parameter(
    world: World, operation: tuple[str, str, Any], name: str
) -> None:
    _method, path, spec = operation
    response = _token_client(world.national).get(_url(path, spec), {name: HUGE})
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == [name]


def test_a_page_past_the_end_is_empty(world: World) -> None:
    response = _token_client(world.national).get("/api/v1/cases", {"offset": 1_000_000_000})
    assert response.status_code == 200
    assert response.json()["items"] == []


# --- bodies over the limits ---------------------------------------------------------------

FIVE_MB_JSON = b'{"narrative": "' + b"a" * (5 * 1024 * 1024) + b'"}'


@pytest.mark.parametrize("operation", EVERY, ids=[_id(op) for op in EVERY])
def test_a_5_mb_json_body_is_a_413_on_every_endpoint(
    world: World, operation: tuple[str, str, Any]
) -> None:
    method, path, spec = operation
    for client in (Client(enforce_csrf_checks=True, headers=EN), _token_client(world.national)):
        response = client.generic(
            method,
            _url(path, spec),
            FIVE_MB_JSON,
            "application/json",
        )
        assert response.status_code == 413, response.content[:300]
        body = response.json()
        assert body["detail"] == "The request is too large."
        assert body["errors"] == [
            {"field": "body", "message": "Send at most 2.5\xa0MB in one request."}
        ]


def test_a_public_report_over_the_limit_stores_nothing(world: World) -> None:
    response = Client(headers=EN).post("/api/v1/reports", FIVE_MB_JSON, "application/json")
    assert response.status_code == 413
    assert Report.objects.count() == 0


def test_too_many_form_fields_in_a_session_write_is_a_413(world: World, settings: Any) -> None:
    """Found while reading the body (the session's CSRF check reads the form), not from
    its length: answered by the API's exception handler."""
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    client = Client(enforce_csrf_checks=True, headers=EN)
    client.force_login(world.coordinator_a)
    client.cookies["csrftoken"] = "k" * 32
    fields = "&".join(f"f{i}=x" for i in range(10))
    response = client.post("/api/v1/cases/x/messages", fields, "application/x-www-form-urlencoded")
    assert response.status_code == 413, response.content
    assert response.json()["errors"] == [
        {"field": "body", "message": "Send at most 5 fields in one request."}
    ]


def test_too_many_form_fields_on_a_page_is_a_413_page(world: World, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = "&".join(f"f{i}=x" for i in range(10))
    response = Client(headers=EN).post(
        f"/report/{world.a.school.code}/", fields, "application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "Send at most 5 fields in one request." in response.content.decode()


def test_an_oversized_page_form_is_a_413_page(world: World) -> None:
    client = Client(headers=EN)
    response = client.generic(
        "POST",
        f"/report/{world.a.school.code}/",
        b"x" * 16,
        "multipart/form-data; boundary=abc",
        CONTENT_LENGTH=str(70 * 1024 * 1024),  # refused from the header, nothing read
    )
    assert response.status_code == 413
    assert "The request is too large." in response.content.decode()
    assert Report.objects.count() == 0


def _jpeg_of(size: int) -> bytes:
    """A real JPEG padded after its end marker to ``size`` bytes (readers stop at EOI)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, format="JPEG")
    data = out.getvalue()
    return data + b"\0" * (size - len(data))


def test_the_report_form_still_takes_three_large_attachments(world: World) -> None:
    """24 MB in one multipart body: far above the 2.5 MB for other bodies, within the
    report form's 3 x 20 MB."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [
        SimpleUploadedFile(f"photo{i}.jpg", _jpeg_of(8 * 1024 * 1024), content_type="image/jpeg")
        for i in range(3)
    ]
    data = {k: v for k, v in REPORT_DATA.items() if v not in (False, "")}
    data.update({"anonymous": "on", "idempotency_token": "8b5f4a4e-6f0f-4a43-9d1c-1b4a3d2c1e01"})
    response = Client(headers=EN).post(
        f"/report/{world.a.school.code}/", {**data, "attachments": files}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ReportAttachment.objects.count() == 3


# --- multipart without a boundary ---------------------------------------------------------

WRITES = _operations({"post", "put", "patch", "delete"})


@pytest.mark.parametrize("operation", WRITES, ids=[_id(op) for op in WRITES])
def test_multipart_without_a_boundary_is_a_400(
    world: World, operation: tuple[str, str, Any]
) -> None:
    method, path, spec = operation
    response = _token_client(world.national).generic(
        method, _url(path, spec), b"--x\r\n", "multipart/form-data"
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [
        {
            "field": "Content-Type",
            "message": "A multipart/form-data body needs a valid boundary parameter.",
        }
    ]


def test_multipart_without_a_boundary_on_a_page_is_a_400_page(world: World) -> None:
    response = Client(headers=EN).generic(
        "POST", f"/report/{world.a.school.code}/", b"--x\r\n", "multipart/form-data"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_multipart_upload_with_a_boundary_reaches_the_endpoint(world: World) -> None:
    """The boundary check does not stand in the way of a real upload: the referral
    attachment endpoint answers for the referral (404: there is none), not 400."""
    response = _token_client(world.national).post(
        "/api/v1/referrals/00000000-0000-4000-8000-000000000000/attachments",
        {"file": io.BytesIO(b"%PDF-1.4 tiny")},
    )
    assert response.status_code == 404, response.content


# --- the database going away --------------------------------------------------------------


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_api_answers_503_while_the_database_is_unreachable(
    world: World, error: type[Exception]
) -> None:
    client = _token_client(world.coordinator_a)
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=error("connection refused"),
    ):
        response = client.get("/api/v1/cases")
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "detail": "The service is briefly unavailable. Please try again in a minute.",
        "errors": [],
    }


def test_a_public_api_write_answers_503_while_the_database_is_unreachable(
    world: World,
) -> None:
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = Client(headers=EN).post(
            "/api/v1/reports",
            {"school": world.a.school.code, **REPORT_DATA},
            content_type="application/json",
        )
    assert response.status_code == 503, response.content
    assert response.json()["detail"]


def test_a_page_answers_503_while_the_database_is_unreachable(world: World) -> None:
    client = Client(raise_request_exception=False, headers=EN)
    client.force_login(world.coordinator_a)
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/reports/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "briefly unavailable" in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_when_postgresql_cannot_be_reached(world: World) -> None:
    """A real refused connection: the server's port swapped for a closed one."""
    from django.db import connection

    client = _token_client(world.coordinator_a)
    staff = Client(raise_request_exception=False, headers=EN)
    staff.force_login(world.coordinator_a)
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "9"  # discard: nothing listens
    try:
        response = client.get("/api/v1/cases")
        page = staff.get("/reports/")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert response.status_code == 503, response.content
    assert response.json()["detail"]
    assert page.status_code == 503
    assert client.get("/api/v1/cases").status_code == 200  # and back once it returns


def test_a_null_character_in_a_body_is_a_422_naming_the_field(world: World) -> None:
    """PostgreSQL cannot store NUL in a text column (it had answered 500); SQLite would keep
    it. Either way the client is told which field, and nothing is stored."""
    data = {**REPORT_DATA, "school": world.a.school.code + "\x00"}
    response = Client(headers=EN).post("/api/v1/reports", data, "application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "school",
            "message": "The text contains a null character, which cannot be stored.",
        }
    ]
    assert Report.objects.count() == 0


def test_a_null_character_in_a_query_is_a_422_naming_the_parameter(world: World) -> None:
    client = Client(headers=EN)
    client.force_login(world.national)
    verify_second_factor(client, world.national)
    response = client.get("/api/v1/reports", {"status": "new\x00"})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["status"]


def test_a_value_the_database_refuses_is_a_422_not_a_500(world: World) -> None:
    """The last line behind the schemas: a DataError (a value the database cannot store)."""
    from django.db import DataError

    with mock.patch("qamqor.intake.services.find_school", side_effect=DataError("NUL")):
        data = {**REPORT_DATA, "school": world.a.school.code}
        response = Client(headers=EN).post("/api/v1/reports", data, "application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "body", "message": "A value in the request cannot be stored."}
    ]
