"""Requests refused before they reach a view, and the answers for failures outside one.

No input makes a 5xx (DESIGN §5.7; docs/api.md, "Limits"): a body above its limit is a 413,
a multipart body Django cannot split is a 400, and while the database is unreachable the
answer is a 503 that says to retry, never a 500. The API answers in its one error shape;
pages answer with a short page in the user's language. The limits are in docs/api.md,
"Limits".

- A body that is not multipart: at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's 2.5 MB).
- A multipart body (forms with files): the report form's files
  (``REPORT_ATTACHMENT_MAX_FILES`` x ``REPORT_ATTACHMENT_MAX_BYTES``, 3 x 20 MB) plus
  ``DATA_UPLOAD_MAX_MEMORY_SIZE`` for the fields and the multipart framing. Each file is
  then held to its own, smaller limit by the form that takes it (a 422 naming the field).

Both are judged from ``Content-Length`` before a byte of the body is read; what Django
finds while reading (too many fields or files) comes back through ``bad_request``.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qamqor.errors import FieldProblem, error_body

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# how long a client should wait before retrying while the database is unreachable
RETRY_AFTER_SECONDS = 30

TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)
DATABASE_DOWN = (OperationalError, InterfaceError)


def body_limit(request: HttpRequest) -> int:
    """The largest body this request may send, in bytes."""
    fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if fields is None:  # Django's "no limit": ours still holds
        fields = 2_621_440
    if request.content_type == "multipart/form-data":
        files = settings.REPORT_ATTACHMENT_MAX_FILES * settings.REPORT_ATTACHMENT_MAX_BYTES
        return int(files + fields)
    return int(fields)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def too_large_problem(exception: BaseException | None, limit: int) -> FieldProblem:
    if isinstance(exception, TooManyFieldsSent):
        count = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 0
        message = ngettext(
            "Send at most %(count)d field in one request.",
            "Send at most %(count)d fields in one request.",
            count,
        ) % {"count": count}
    elif isinstance(exception, TooManyFilesSent):
        count = settings.DATA_UPLOAD_MAX_NUMBER_FILES or 0
        message = ngettext(
            "Send at most %(count)d file in one request.",
            "Send at most %(count)d files in one request.",
            count,
        ) % {"count": count}
    else:
        message = _("Send at most %(size)s in one request.") % {"size": filesizeformat(limit)}
    return FieldProblem(field="body", message=message)


def too_large(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    """413 for a body above its limit (or with too many fields or files)."""
    problem = too_large_problem(exception, body_limit(request))
    detail = _("The request is too large.")
    if _is_api(request):
        return JsonResponse(error_body(detail, [problem]), status=413)
    return _page(request, 413, detail, str(problem.message))


def unreadable(request: HttpRequest) -> HttpResponse:
    """400 for a multipart body without a usable boundary (or otherwise broken)."""
    detail = _("The request body could not be read.")
    problem = FieldProblem(
        field="Content-Type",
        message=_("A multipart/form-data body needs a valid boundary parameter."),
    )
    if _is_api(request):
        return JsonResponse(error_body(detail, [problem]), status=400)
    return _page(request, 400, detail, _("Please go back and send the form again."))


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 while the database cannot be reached: the client should retry, nothing was lost
    that it had not been told about (a report is acknowledged only once committed)."""
    detail = _("The service is briefly unavailable. Please try again in a minute.")
    if _is_api(request):
        response: HttpResponse = JsonResponse(error_body(detail), status=503)
    else:
        response = _page(
            request,
            503,
            detail,
            _(
                "If a child is in danger, call 112 now, or 111 to talk to someone "
                "(free, day and night)."
            ),
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    # rendered without the request: the base template and the context processors read the
    # session and the database, which may be what failed
    body = loader.render_to_string("refused.html", {"title": title, "text": text})
    return HttpResponse(body, status=status)


class RequestLimitsMiddleware:
    """Refuses an oversized or unsplittable body before anything reads it.

    Placed before ``CsrfViewMiddleware`` (which reads a form body for its token) and
    everything that could read ``request.POST``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _declared_length(request) > body_limit(request):
            return too_large(request)
        if request.content_type == "multipart/form-data" and not _multipart_is_readable(request):
            return unreadable(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A page view that hit the same limits while reading the body, or the database."""
        if isinstance(exception, TOO_LARGE):
            return too_large(request, exception)
        if isinstance(exception, MultiPartParserError):
            return unreadable(request)
        if isinstance(exception, DATABASE_DOWN):
            logger.error(
                "database unavailable in %s %s: %s", request.method, request.path, exception
            )
            return database_unavailable(request)
        return None


def _multipart_is_readable(request: HttpRequest) -> bool:
    """Django's own checks of the header (boundary present and well formed), no body read."""
    try:
        MultiPartParser(request.META, io.BytesIO(), [], request.encoding)
    except MultiPartParserError:
        return False
    return True


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: Django reached this for a body over its limits (413 instead of 400),
    or for another request it finds suspicious."""
    if isinstance(exception, TOO_LARGE):
        return too_large(request, exception)
    detail = _("The request is not valid.")
    if _is_api(request):
        return JsonResponse(error_body(detail), status=400)
    return _page(request, 400, detail, _("Please go back and send the form again."))


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an error outside any view's own handling. A database that cannot be
    reached is a 503 and a broken multipart body a 400; anything else stays a 500."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_DOWN):
        return database_unavailable(request)
    if isinstance(exception, MultiPartParserError):
        return unreadable(request)
    if _is_api(request):
        detail = _("Something went wrong on our side. The error has been recorded.")
        return JsonResponse(error_body(detail), status=500)
    try:
        return HttpResponse(loader.render_to_string("500.html"), status=500)
    except Exception:  # the page itself failed: a plain answer rather than none
        logger.exception("the 500 page could not be rendered")
        return HttpResponse(_("Something went wrong"), status=500, content_type="text/plain")
