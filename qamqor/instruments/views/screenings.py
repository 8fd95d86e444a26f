"""The psychologist's screening pages: the overview, the pupils they may screen, a
child's screenings with the form to start one, the interview and the one-time code."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from qamqor import exports
from qamqor.accounts import access, policy
from qamqor.cases.models import Child
from qamqor.errors import NotAllowed
from qamqor.instruments import selectors
from qamqor.instruments.forms import (
    CodeForm,
    NewChildForm,
    StartScreeningForm,
)
from qamqor.instruments.models import Administration
from qamqor.instruments.services.administration import record_pupil, start_screening
from qamqor.instruments.services.catalogue import today
from qamqor.instruments.services.submission import submit_interview
from qamqor.instruments.views.common import (
    PAGE_SIZE,
    answer_errors,
    posted_answers,
    questions,
    require_psychologist,
    screening_scope,
    translation_note,
)
from qamqor.pages import exportable, run_form, run_service
from qamqor.pages import user_of as _user
from qamqor.translation import pick

HOME_LIMIT = 20


def _recent_results(request: HttpRequest) -> QuerySet[Administration]:
    """The recent results the overview lists for those who screen (none for others)."""
    if not screening_scope(request).administers:
        return Administration.objects.none()
    return selectors.recent_results(_user(request))[:HOME_LIMIT]


RESULTS = exports.TableExport(
    name="screening-results",
    title=_("Recent results"),
    rows=_recent_results,
    columns=[
        exports.column(_("Submitted"), "submitted_at"),
        exports.column(_("Child"), "child.code"),
        exports.column(_("Instrument"), "instrument.code"),
        exports.column(_("Score"), "score"),
        exports.column(_("Result"), "band_label"),
        exports.column(_("Alert"), "critical"),
    ],
)


@login_required
@exportable(RESULTS)
@require_safe
@access.gate_required("screenings")
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    screening = screening_scope(request)
    alerts = list(selectors.open_alerts(user)[:HOME_LIMIT]) if screening.administers else []
    recent = list(_recent_results(request))
    campaigns = list(selectors.campaigns(user)[:HOME_LIMIT])
    return render(
        request,
        "instruments/home.html",
        {
            "screening": screening,
            "sees_statistics": policy.scope_for(user).sees_statistics,
            "alerts": alerts,
            "recent": recent,
            "campaigns": campaigns,
            "code_form": CodeForm(),
        },
    )


def _pupils(request: HttpRequest) -> QuerySet[Child]:
    """The pupils the list shows the psychologist (``?class=`` narrows it to one class)."""
    require_psychologist(request)
    pupils = (
        selectors.screenable_children(_user(request))
        .select_related("school")
        .order_by("class_label", "code")
    )
    class_label = request.GET.get("class", "").strip()
    return pupils.filter(class_label=class_label) if class_label else pupils


PUPILS = exports.TableExport(
    name="screening-children",
    title=_("Pupils to screen"),
    rows=_pupils,
    columns=[
        exports.column(_("Code"), "code"),
        exports.column(_("Class"), "class_label"),
        exports.column(_("School"), "school.name"),
    ],
    filters=("class",),
)


@login_required
@exportable(PUPILS)
@require_http_methods(["GET", "POST"])
def children(request: HttpRequest) -> HttpResponse:
    """The pupils the psychologist may screen; find one by code or record a new one."""
    require_psychologist(request)
    user = _user(request)
    found = request.GET.get("code", "").strip()
    if found:
        child = selectors.screenable_children(user).filter(code=found.upper()).first()
        if child is not None:
            return redirect("screening-child", code=child.code)
        messages.error(request, gettext("No child with this code that you may screen."))
    form = NewChildForm(request.POST if request.method == "POST" else None)

    def record(data: dict[str, Any]) -> Child:
        school = selectors.own_school(user)
        if school is None:
            raise NotAllowed(gettext("Only a school psychologist records new pupils."))
        return record_pupil(
            actor=user,
            school=school,
            birth_date=data.get("birth_date"),
            sex=data["sex"],
            class_label=data.get("class_label") or "",
        )

    def again(status: int) -> HttpResponse:
        class_label = request.GET.get("class", "").strip()
        page = Paginator(_pupils(request), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "instruments/children.html",
            {"page": page, "form": form, "class_label": class_label},
            status=status,
        )

    return run_form(
        form,
        record,
        done=lambda child: redirect("screening-child", code=child.code),
        again=again,
    )


def _render_child(
    request: HttpRequest, code: str, form: StartScreeningForm | None = None, status: int = 200
) -> HttpResponse:
    screenings = selectors.read_child_screenings(_user(request), code)
    return render(
        request,
        "instruments/child_detail.html",
        {
            "child": screenings.child,
            "age": screenings.child.age_on(today()),
            "history": screenings.history,
            "pending": screenings.pending,
            "form": form
            or StartScreeningForm(initial={"language": translation.get_language() or "ru"}),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def child_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A child's screening history, and the form to start a new screening."""
    require_psychologist(request)
    if request.method != "POST":
        return _render_child(request, code)
    user = _user(request)
    child = selectors.child_for_screening(user, code)
    form = StartScreeningForm(request.POST)
    return run_form(
        form,
        lambda data: start_screening(
            actor=user,
            child=child,
            instrument_code=data["instrument"],
            mode=data["mode"],
            language=data["language"],
        ),
        done=lambda started: redirect(
            "screening-interview" if started.code is None else "screening-invitation",
            public_id=started.administration.public_id,
        ),
        again=lambda status: _render_child(request, code, form, status=status),
    )


@login_required
@require_http_methods(["GET", "POST"])
def interview(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The psychologist reads the questions and records the answers."""
    user = _user(request)
    if request.method == "GET":
        administration = selectors.read_administration(user, public_id)
    else:
        administration = selectors.administration_for_user(user, public_id)
    if administration.status != Administration.Status.IN_PROGRESS:
        return redirect("screening-result", public_id=public_id)

    def show(posted: dict[str, str], errors: dict[str, str], status: int) -> HttpResponse:
        spec = administration.spec
        with translation.override(administration.language):
            shown = questions(spec, posted, errors)
            instructions = pick(spec.instructions.as_dict())
        return render(
            request,
            "instruments/interview.html",
            {
                "administration": administration,
                "spec": spec,
                "questions": shown,
                "instructions": instructions,
                "errors": errors,
                "translation": translation_note(spec, administration.language),
            },
            status=status,
        )

    if request.method != "POST":
        return show({}, {}, 200)
    posted = posted_answers(request)
    return run_service(
        lambda: submit_interview(administration=administration, actor=user, answers=posted),
        done=lambda submitted: redirect("screening-result", public_id=public_id),
        refused=lambda error: show(posted, answer_errors(error), error.status_code),
    )


@login_required
@require_safe
def invitation(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The one-time code and link for the child, to print or show on a tablet."""
    administration, code = selectors.invitation_for_user(_user(request), public_id)
    return render(
        request,
        "instruments/invitation.html",
        {
            "administration": administration,
            "code": code,
            "link": request.build_absolute_uri(reverse("screening-link", args=[code])),
        },
    )
