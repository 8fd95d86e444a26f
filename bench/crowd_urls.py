"""The product's addresses plus the reference of bench/crowd_pages.py: a trivial view
behind the same middleware (sessions, CSRF, CSP, security headers, audit request id)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from qamqor.urls import urlpatterns as product_urlpatterns


def trivial(request: HttpRequest) -> HttpResponse:
    """The reference: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *product_urlpatterns]
