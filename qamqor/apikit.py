"""What every app's API router shares: the NinjaAPI instance, authentication, the one
error shape, pagination and form validation. ``qamqor.api`` only assembles the routers, so
an app's ``api`` module imports this one and never the assembly (no import cycle).

Errors are ``{"detail": "...", "errors": [{"field": "...", "message": "..."}]}`` with the
messages in the request's language (``Accept-Language``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from qamqor import request_limits
from qamqor.accounts.models import ApiToken, User, hash_token
from qamqor.audit import services as audit
from qamqor.audit.services import listed_id
from qamqor.errors import DomainError, FieldProblem, InvalidInput, error_body

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` for integrations (tokens in accounts.ApiToken).

    A request that sends a bearer token is judged by the token alone: a valid token acts
    as its user (even when a session cookie of someone else comes along), an invalid or
    revoked one is a 401 and never falls back to the session. CSRF protects cookies a
    browser adds by itself; a header it cannot add cross-site needs no CSRF token, so the
    telephony, FHIR and scripted integrations can write (docs/decisions/0008).
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.headers.get(self.header):
            return None
        user = super().__call__(request)
        if user is None:
            raise AuthenticationError()
        return user

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.active()
            .select_related("user")
            .filter(key_hash=hash_token(token), user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class CsrfSessionAuth(SessionAuth):
    """The signed-in browser: the session cookie, with Django's CSRF check on writes.

    Only asked when no ``Authorization`` header came (``TokenAuth`` runs first), so a
    session write without the CSRF token is still refused with 403.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization"):
            return None
        if self.param_name not in request.COOKIES:
            # no session to ride on, so nothing for CSRF to protect: "not signed in" (401)
            return None
        return super().__call__(request)


# The token first: SessionAuth's CSRF check ends the request with a 403 before any later
# method is tried, which had made every token write fail.
session_or_token = [TokenAuth(), CsrfSessionAuth()]


def request_user(request: HttpRequest) -> User:
    """The authenticated user of an API request (every router requires authentication)."""
    return cast(User, request.user)


class OrganisationRef(Schema):
    """An organisation as the API shows it next to a case, referral or step."""

    code: str
    kind: str
    name: str


class EventOut(Schema):
    """One event of a timeline (a case's, a referral's): ``TimelineEvent.describe``."""

    kind: str
    at: datetime
    payload: dict[str, Any]


class FieldErrorOut(Schema):
    """One field's problem: ``field`` as the client sent it, ``message`` in its language."""

    field: str
    message: str


class ErrorOut(Schema):
    """The one error shape of every 4xx and 5xx answer."""

    detail: str
    errors: list[FieldErrorOut]


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """Error answers an operation gives besides the common ones, for its ``response={…}``:
    ``response={200: CaseOut, **errors(403, 409)}``."""
    return dict.fromkeys(codes, ErrorOut)


WRITE_METHODS = {"post", "put", "patch", "delete"}

# Answered by the framework for every operation, whatever its handler does: declared once
# here rather than on each operation (see ``QamqorAPI``).
COMMON_ERRORS = {
    400: "The body cannot be read (a multipart body without a boundary).",
    413: "The body is larger than allowed (docs/api.md, Limits).",
    503: "The database cannot be reached for a moment; retry after `Retry-After` seconds.",
}


class QamqorAPI(NinjaAPI):
    """The NinjaAPI whose document declares every status an operation can answer."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        document = super().get_openapi_schema(**kwargs)
        declare_common_errors(document)
        return document


def declare_common_errors(document: dict[str, Any]) -> None:
    """Adds the answers every operation can give: the common errors, 429 on the public
    writes (each is rate limited, qamqor.intake.limits), 401 where it needs
    authentication (and 403, 409 where such an operation changes something: the access
    policy and the object's state are asked by every write), 422 where it takes input, 404
    where the path names an object."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("FieldErrorOut", FieldErrorOut.model_json_schema())
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    error_schema.pop("$defs", None)
    components.setdefault("ErrorOut", error_schema)
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}

    for operations in document["paths"].values():
        for method, operation in operations.items():
            answers = dict(COMMON_ERRORS)
            parameters = operation.get("parameters", [])
            if not operation.get("security") and method in WRITE_METHODS:
                # the public writes share the web form's limits per address
                answers[429] = "Too many attempts from this address; wait and try again."
            if operation.get("security"):
                answers[401] = "Not signed in, or the token is not valid."
                if method in WRITE_METHODS:
                    answers[403] = "You see the object but your role may not make this change."
                    answers[409] = "The object's state does not allow this change."
            if parameters or "requestBody" in operation:
                answers[422] = "Invalid input: each field named, with the reason."
            if any(p["in"] == "path" for p in parameters):
                answers[404] = "Not found, or outside your scope (the two look the same)."
            responses = operation.setdefault("responses", {})
            for code, description in answers.items():
                responses.setdefault(code, {"description": description, "content": reference})


class NulText:
    """A body text that held a NUL character, in place of the text: no schema accepts it, so
    the request is a 422 naming the field (see ``_pydantic_message``)."""

    def __init__(self, text: str) -> None:
        self.text = text


def _without_nul_texts(value: Any, path: tuple[str, ...], found: list[str]) -> Any:
    if isinstance(value, str):
        if "\x00" in value:
            found.append(".".join(path))
            return NulText(value)
        return value
    if isinstance(value, dict):
        return {k: _without_nul_texts(v, (*path, str(k)), found) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul_texts(v, (*path, str(i)), found) for i, v in enumerate(value)]
    return value


class NulRefusingParser(Parser):
    """Texts with a NUL character are refused with a 422 naming the field: PostgreSQL cannot
    store one in a text column (it had answered 500), SQLite would keep it silently.
    Django's form fields refuse NUL the same way."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        # ninja turns an exception raised here into a 400, so the texts are replaced by a
        # value no schema accepts, and the request remembers which fields they were
        found: list[str] = []
        data = _without_nul_texts(super().parse_body(request), (), found)
        request.nul_fields = set(found)  # type: ignore[attr-defined]
        return cast(dict[str, Any], data)

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> Any:
        parsed = super().parse_querydict(data, list_fields, request)
        found = [key for key, value in parsed.items() if "\x00" in str(value)]
        if found:
            raise ValidationError(
                [{"loc": ("query", key), "type": "null_character", "msg": ""} for key in found]
            )
        return parsed


api = QamqorAPI(
    title="Qamqor API",
    version="1",
    description=(
        "Reports, cases, protocol steps and statistics. Pages use the session; "
        "integrations send `Authorization: Bearer <token>`. Every error has the shape "
        '`{"detail": …, "errors": [{"field": …, "message": …}]}`.'
    ),
    urls_namespace="api",
    auth=session_or_token,
    parser=NulRefusingParser(),
)


# Pagination bounds: a page of at most 500 rows, an offset a database can take (an offset
# above int64 had answered 500). Past the last row the page is simply empty.
PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
MAX_OFFSET = 1_000_000_000


class Pagination(LimitOffsetPagination):
    """``limit``/``offset`` pagination with both bounded: a 422 naming the parameter beyond
    them. Every list endpoint uses it (``@paginate(Pagination)``)."""

    class Input(Schema):
        limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_PAGE_SIZE, **kwargs)


class AuditedPagination(Pagination):
    """``Pagination`` for lists of personal data: one audit event per page served, naming
    every object on it (``@paginate(AuditedPagination, audit_as="report", audit_id=
    "public_id")``; DESIGN §5.2, docs/security.md)."""

    def __init__(self, *, audit_as: str, audit_id: str = "pk", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.audit_as = audit_as
        self.audit_id = audit_id

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        items = list(page[self.items_attribute])
        audit.record_list(
            actor=request.user,
            object_type=self.audit_as,
            object_ids=[listed_id(item, self.audit_id) for item in items],
            total=page["count"],
        )
        page[self.items_attribute] = items
        return page


def _pydantic_message(error: dict[str, Any]) -> str:
    """A translated message for the schema errors clients commonly make."""
    kind = error.get("type", "")
    if kind == "null_character":
        return _("The text contains a null character, which cannot be stored.")
    if kind == "missing":
        return _("This field is required.")
    if kind in {"string_type", "string_too_long", "string_too_short"}:
        return _("Enter a text value of the allowed length.")
    if kind.startswith("bool"):
        return _("Enter true or false.")
    limits = error.get("ctx") or {}
    if kind in {"less_than_equal", "less_than"}:
        return _("Enter a number no greater than %(limit)s.") % {
            "limit": limits.get("le", limits.get("lt"))
        }
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Enter a number no less than %(limit)s.") % {
            "limit": limits.get("ge", limits.get("gt"))
        }
    if kind.startswith("int") or kind.startswith("float"):
        return _("Enter a number.")
    if kind in {"list_type", "set_type"}:
        return _("Enter a list.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind.startswith("uuid"):
        return _("Enter a valid identifier.")
    return str(error.get("msg", _("This value is not valid.")))


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        # a parameter is named as the client sends it (``limit``, not ``query.pagination.limit``)
        parameter = location[:1] in (["query"], ["path"], ["header"], ["cookie"])
        field = (location[-1] if parameter else ".".join(location)) or "body"
        if field in getattr(request, "nul_fields", ()):
            error = {**error, "type": "null_character"}
        problems.append(FieldProblem(field=field, message=_pydantic_message(error)))
    body = error_body(_("The request is not valid."), problems)
    return api.create_response(request, body, status=422)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(
        request, error_body(exc.detail, exc.errors), status=exc.status_code
    )
    retry_after = getattr(exc, "retry_after", None)  # rate limits (qamqor.intake.limits)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body(_("Not found.")), status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, error_body(_("Sign in or send a valid token.")), status=401)


@api.exception_handler(RequestDataTooBig)
@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def on_too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A body over Django's limits found while reading it (the middleware refuses most
    before: docs/api.md, "Limits")."""
    problem = request_limits.too_large_problem(exc, request_limits.body_limit(request))
    body = error_body(_("The request is too large."), [problem])
    return api.create_response(request, body, status=413)


@api.exception_handler(MultiPartParserError)
def on_unreadable_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return request_limits.unreadable(request)


@api.exception_handler(DataError)
def on_unstorable_value(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A value the database cannot store (one that slipped past the schemas, say a NUL in a
    path parameter): the client's input, so a 422 rather than a 500."""
    logger.warning("value refused by the database in %s %s: %s", request.method, request.path, exc)
    body = error_body(
        _("The request is not valid."),
        [FieldProblem(field="body", message=_("A value in the request cannot be stored."))],
    )
    return api.create_response(request, body, status=422)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The database cannot be reached (restart, network): 503 with ``Retry-After``."""
    logger.error("database unavailable in %s %s: %s", request.method, request.path, exc)
    return request_limits.database_unavailable(request)


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug: logged with the request id, answered in the same shape, nothing leaked."""
    logger.exception(
        "unhandled error in %s %s (request %s)",
        request.method,
        request.path,
        getattr(request, "request_id", "-"),
    )
    body = error_body(_("Something went wrong on our side. The error has been recorded."))
    return api.create_response(request, body, status=500)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, error_body(exc), status=exc.status_code)


def validated(
    form_class: type[forms.Form], data: dict[str, Any], **form_kwargs: Any
) -> dict[str, Any]:
    """Validate ``data`` with the same Django form the page uses (built with the same
    ``form_kwargs``); 422 naming each field."""
    form = form_class(data=data, **form_kwargs)
    if not form.is_valid():
        problems = [
            FieldProblem(field=field if field != "__all__" else "body", message=str(message))
            for field, messages in form.errors.items()
            for message in messages
        ]
        raise InvalidInput(_("The request is not valid."), problems)
    return form.cleaned_data
