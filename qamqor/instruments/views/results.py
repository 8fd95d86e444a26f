"""What screenings found: one result with its answers, its FHIR export, the open
alerts, and the dashboard of comparable aggregates (small cells suppressed)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from qamqor import exports
from qamqor.accounts import policy
from qamqor.accounts.second_factor import fresh_second_factor
from qamqor.directory.models import Region
from qamqor.errors import Conflict
from qamqor.instruments import definitions, selectors
from qamqor.instruments.forms import (
    AggregateFilterForm,
)
from qamqor.instruments.models import InstrumentVersion
from qamqor.instruments.services.alerts import acknowledge_alert
from qamqor.instruments.views.common import (
    require_psychologist,
    translation_note,
)
from qamqor.pages import exportable
from qamqor.pages import user_of as _user
from qamqor.translation import pick

DEFAULT_DASHBOARD_INSTRUMENT = "phq_a"


@login_required
@require_safe
def result(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Score, band, subscales, alerts, the answers and the child's other screenings."""
    user = _user(request)
    administration = selectors.read_administration(user, public_id)
    spec = administration.spec
    answered = []
    for item in spec.items:
        code = administration.answers.get(item.key)
        option = next((o for o in spec.options_of(item) if o.code == code), None)
        answered.append(
            {
                "key": item.key,
                "text": pick(item.text.as_dict()),
                "answer": pick(option.label.as_dict()) if option else None,
                "value": option.value if option else None,
                "critical": any(
                    c.item == item.key
                    for rule in spec.alerts
                    for c in rule.when.conditions
                    if rule.code in {a.rule for a in administration.alerts.all()}
                ),
            }
        )
    subscales = [
        {"label": pick(s.label.as_dict()), "value": administration.subscales.get(s.key)}
        for s in spec.scoring.subscales
    ]
    history = [
        item
        for item in selectors.history(user, administration.child)
        if item.pk != administration.pk
    ]
    return render(
        request,
        "instruments/result.html",
        {
            "administration": administration,
            "spec": spec,
            "answered": answered,
            "subscales": subscales,
            "history": history,
            "score_range": spec.score_range,
            "translation": translation_note(spec, administration.language),
            "alerts": list(administration.alerts.all()),
        },
    )


@login_required
@require_safe
@fresh_second_factor
def result_fhir(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The administration as a FHIR R4B QuestionnaireResponse (the export is audited)."""
    response = JsonResponse(selectors.read_fhir_export(_user(request), public_id))
    response["Content-Type"] = "application/fhir+json"
    return response


ALERT_LIMIT = 200  # the page lists the oldest open alerts first, up to this many


def _alerts(request: HttpRequest) -> Any:
    """The open alerts the page lists for the psychologist, oldest first."""
    require_psychologist(request)
    return selectors.open_alerts(_user(request)).select_related("case", "organisation")[
        :ALERT_LIMIT
    ]


ALERTS = exports.TableExport(
    name="screening-alerts",
    title=_("Open alerts"),
    rows=_alerts,
    columns=[
        exports.column(_("Raised"), "created_at"),
        exports.column(_("Child"), "child.code"),
        exports.column(_("Instrument"), "administration.instrument.code"),
        exports.column(_("Rule"), "rule"),
        exports.column(_("Severity"), "severity"),
        exports.column(_("Organisation"), "organisation.name"),
        exports.column(_("Escalated"), "escalated_at"),
        exports.column(_("Escalated to"), "escalated_to.name"),
        exports.column(_("Case"), "case.number"),
    ],
)


@login_required
@exportable(ALERTS)
@require_safe
def alerts(request: HttpRequest) -> HttpResponse:
    require_psychologist(request)
    items = selectors.read_open_alerts(_user(request), limit=ALERT_LIMIT)
    return render(request, "instruments/alerts.html", {"alerts": items})


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    alert = selectors.alert_for_user(user, pk)
    try:
        acknowledge_alert(alert=alert, actor=user)
    except Conflict as error:
        messages.info(request, str(error.detail))
    else:
        messages.success(request, gettext("The alert is acknowledged."))
    return redirect("screening-result", public_id=alert.administration.public_id)


def _instrument_from_filter(value: str) -> InstrumentVersion | None:
    code, _sep, version = (value or "").partition(":")
    return InstrumentVersion.objects.filter(code=code, version=int(version or 1)).first()


def _dashboard_filters(request: HttpRequest) -> AggregateFilterForm:
    """The filters as the page applies them. Without a known instrument in the query it is
    the campaigns' usual one, written into the form too: the select must name the
    instrument whose figures are shown (unbound, it showed the first in the list)."""
    query = request.GET.copy()
    filters = AggregateFilterForm(query)
    known = {value for value, _label in filters.fields["instrument"].choices}  # type: ignore[attr-defined]
    if query.get("instrument") not in known:
        loaded = definitions.latest(DEFAULT_DASHBOARD_INSTRUMENT)
        query["instrument"] = f"{loaded.spec.code}:{loaded.spec.version}"
        filters = AggregateFilterForm(query)
    filters.is_valid()  # a field in error is left out of cleaned_data; the others apply
    return filters


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """Comparable aggregates by instrument version, small cells suppressed, with charts."""
    user = _user(request)
    if not policy.scope_for(user).sees_statistics:
        raise Http404("dashboard")
    filters = _dashboard_filters(request)
    chosen: dict[str, Any] = filters.cleaned_data
    instrument = _instrument_from_filter(chosen["instrument"])
    region = Region.objects.filter(code=chosen["region"]).first() if chosen.get("region") else None
    data = selectors.read_aggregates(
        user,
        instrument=instrument,
        group_by=chosen.get("group_by") or "region",
        region=region,
        sex=chosen.get("sex") or None,
        age=chosen.get("age"),
    )
    chart: dict[str, Any] = {}
    if data is not None:
        chart = {
            "bands": [label for _code, label in data.bands],
            "groups": [
                {"label": row.label, "shares": row.shares}
                for row in data.rows
                if row.total is not None
            ],
            "distribution": {
                "labels": [score for score, _n in data.distribution],
                "counts": [n for _score, n in data.distribution],
                "label": gettext("Administrations"),
            },
        }
    return render(
        request,
        "instruments/dashboard.html",
        {"filters": filters, "data": data, "chart": chart, "instrument": instrument},
    )
