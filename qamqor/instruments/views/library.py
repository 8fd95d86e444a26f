"""The instrument library: each shipped instrument, its items and its FHIR Questionnaire."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from qamqor.instruments import definitions, fhir, selectors


@login_required
@require_safe
def library(request: HttpRequest) -> HttpResponse:
    loaded = definitions.latest_all()
    return render(request, "instruments/library.html", {"instruments": [d.spec for d in loaded]})


@login_required
@require_safe
def instrument_detail(request: HttpRequest, code: str) -> HttpResponse:
    spec = selectors.instrument_spec(code)
    items = [
        {
            "key": item.key,
            "texts": item.text,
            "options": spec.options_of(item),
            "loinc": item.loinc,
            "counts": item.key in spec.scoring.total_items,
        }
        for item in spec.items
    ]
    return render(request, "instruments/instrument_detail.html", {"spec": spec, "items": items})


@require_safe
def instrument_fhir(request: HttpRequest, code: str) -> HttpResponse:
    """The instrument as a FHIR R4B Questionnaire (public: it holds no personal data)."""
    response = JsonResponse(fhir.questionnaire(selectors.instrument_spec(code)))
    response["Content-Type"] = "application/fhir+json"
    return response
