"""htmx helpers: one place that knows how partial responses are told apart and marked."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

# A response carrying this header is swapped in even with a 4xx status: it is the
# partial re-rendered with the error shown next to the field (see static/js/qamqor.js).
SWAP_ERRORS_HEADER = "X-Qamqor-Swap-Errors"


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def partial_response(response: HttpResponse) -> HttpResponse:
    """Mark a partial so htmx swaps it whatever its status, and caches keep it apart."""
    response[SWAP_ERRORS_HEADER] = "1"
    patch_vary_headers(response, ["HX-Request"])
    return response
