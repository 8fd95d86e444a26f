"""The parents' public pages (no login, quick exit): what the school must do and by when,
the legal track by the offender's age, and the written application to the director
(brief 2.1.1, 2.3.8; docs/parents.md)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from qamqor.directory.models import Organisation
from qamqor.intake import limits
from qamqor.intake.services import Submitted
from qamqor.pages import run_form
from qamqor.parents import guidance, services
from qamqor.parents.forms import (
    ApplicationForm,
    LegalTrackForm,
    SchoolSearchForm,
    TimelineForm,
)
from qamqor.parents.letter import Application, build_pdf
from qamqor.protocols.workdays import ALMATY
from qamqor.translation import active_language

IDEMPOTENCY_FIELD = "idempotency_token"
HONEYPOT_FIELD = "website"
SCHOOLS_SHOWN = 20


def _today() -> date:
    return timezone.now().astimezone(ALMATY).date()


@require_safe
def guide(request: HttpRequest) -> HttpResponse:
    """What the school must do and by when, counted from a day the parent chooses; how to
    keep evidence of cyberbullying; the ways on (report, self-referral to a PSC)."""
    chosen = "start" in request.GET
    form = TimelineForm(request.GET if chosen else None, initial={"start": _today()})
    status = 200
    start = _today()
    if chosen:
        if form.is_valid():
            start = form.cleaned_data["start"]
        else:
            status = 422
    data = guidance.school_duties()
    return render(
        request,
        "parents/guide.html",
        {
            "public_page": True,
            "form": form,
            "start": guidance.format_day(start),
            "timeline": _timeline_rows(start),
            "evidence": _advice(data.evidence),
            "school_is_the_problem": _advice(data.school_is_the_problem),
            "order": data.order,
        },
        status=status,
    )


def _advice(items: list[guidance.Advice]) -> list[dict[str, Any]]:
    return [{"title": a.title, "text": a.text, "sources": [a.source]} for a in items]


def _timeline_rows(start: date) -> list[dict[str, Any]]:
    language = active_language()
    return [
        {
            "title": entry.duty.title.pick(language),
            "text": entry.duty.text.pick(language),
            "rule": entry.rule,
            "due": guidance.format_day(entry.due) if entry.due else "",
            "sources": [entry.duty.source],
        }
        for entry in guidance.school_timeline(start, language)
    ]


@require_safe
def legal_track(request: HttpRequest) -> HttpResponse:
    """The legal track for the offender's age, with and without violence or threats."""
    asked = "age" in request.GET
    form = LegalTrackForm(request.GET if asked else None)
    rules: list[guidance.TrackRule] = []
    status = 200
    if asked:
        if form.is_valid():
            rules = guidance.track_for(
                form.cleaned_data["age"],
                physical_violence=form.cleaned_data["physical_violence"],
                threats=form.cleaned_data["threats"],
            )
        else:
            status = 422
    return render(
        request,
        "parents/legal_track.html",
        {
            "public_page": True,
            "form": form,
            "rules": rules,
            "boundaries": guidance.legal_tracks().boundaries,
            "boundaries_sources": [guidance.legal_tracks().boundaries.source],
            "asked": asked and status == 200,
        },
        status=status,
    )


def _matching_schools(query: str) -> list[Organisation]:
    query = query.strip()
    if len(query) < 2:
        return []
    match = (
        Q(code__icontains=query)
        | Q(name_kk__icontains=query)
        | Q(name_ru__icontains=query)
        | Q(name_en__icontains=query)
    )
    return list(
        Organisation.objects.schools()
        .filter(match)
        .select_related("region")
        .order_by("name_ru")[:SCHOOLS_SHOWN]
    )


def _application_of(form: ApplicationForm) -> Application:
    data = form.cleaned_data
    assert form.school_object is not None  # noqa: S101  clean_school found it
    return Application(
        language=data["language"],
        school=form.school_object,
        parent_name=data["parent_name"].strip(),
        parent_contact=(data.get("parent_contact") or "").strip(),
        child_name=data["child_name"].strip(),
        child_class=data["child_class"].strip(),
        what_happened=data["what_happened"],
        happened_from=data["happened_from"],
        happened_until=data.get("happened_until"),
        repeated=bool(data.get("repeated")),
        actions_taken=(data.get("actions_taken") or "").strip(),
    )


def _token(value: str | None) -> str | None:
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return None


@never_cache
@require_http_methods(["GET", "POST"])
def application(request: HttpRequest) -> HttpResponse:
    """The written application to the school director under Order No. 506, as a PDF; and,
    if the parent asks, the same sent into Qamqor as a report so the deadlines are
    tracked. Nothing is kept unless it is sent (docs/parents.md, "Personal data")."""
    search = SchoolSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    posted = request.method == "POST"
    chosen = _chosen_school(request.GET.get("school", ""))
    language = active_language()
    form = ApplicationForm(
        request.POST if posted else None,
        initial={
            "school": chosen.code if chosen else "",
            "language": language if language in {"kk", "ru"} else "ru",
        },
    )
    token = _token(request.POST.get(IDEMPOTENCY_FIELD)) if posted else None

    def page(status: int) -> HttpResponse:
        school = form.school_object or chosen
        return render(
            request,
            "parents/application.html",
            {
                "public_page": True,
                "form": form,
                "search": search,
                "query": query,
                "schools": _matching_schools(query),
                "school": school,
                "token": token or str(uuid.uuid4()),
            },
            status=status,
        )

    if posted and request.POST.get(HONEYPOT_FIELD):
        return page(200)  # a bot filled the hidden field: nothing is made, nothing kept

    def first() -> None:
        limits.check_public(request, "parents-application", field="what_happened")
        if request.POST.get("action") == "send":
            # the same counter as the school's report form: it makes a report
            limits.check_public(request, "report", field="what_happened")

    def act(data: dict[str, Any]) -> bytes | Submitted:
        letter = _application_of(form)
        if data.get("action") == "send":
            return services.send_application(
                application=letter,
                forms=data.get("forms") or [],
                setting=data["setting"],
                idempotency_key=f"parents:{token}" if token else None,
            )
        return build_pdf(letter, today=_today())

    def done(result: bytes | Submitted) -> HttpResponse:
        if isinstance(result, bytes):
            response = HttpResponse(result, content_type="application/pdf")
            name = f"application-{form.cleaned_data['school']}-{_today().isoformat()}.pdf"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return _sent(request, form, result)

    return run_form(form, act, first=first if posted else None, done=done, again=page)


def _chosen_school(code: str) -> Organisation | None:
    if not code:
        return None
    return Organisation.objects.schools().filter(code=code.strip()).first()


def _sent(request: HttpRequest, form: ApplicationForm, submitted: Submitted) -> HttpResponse:
    """The follow-up code, shown once in this answer (a resend with the same token shows
    the same code), the deadlines now tracked, and the letter still to download: its
    fields travel back in this page only, as hidden fields, and are not stored."""
    received = submitted.report.received_at.astimezone(ALMATY).date()
    carried = [
        (name, value)
        for name in form.fields
        if name not in {"action", HONEYPOT_FIELD}
        for value in request.POST.getlist(name)
    ]
    return render(
        request,
        "parents/application_sent.html",
        {
            "public_page": True,
            "school": submitted.report.school,
            "followup_code": submitted.followup_code,
            "received": guidance.format_day(received),
            "timeline": _timeline_rows(received),
            "carried": carried,
        },
    )
