"""Anonymous appeal pages: the specialist's form and follow-up, the coordinating body's list
and answer. The author's pages keep nothing of the request (no redirect, no message in
the session, never cached); the coordinating body's are private like every care page."""

from __future__ import annotations

import uuid

from django import forms as dj
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from qamqor import exports
from qamqor.accounts import policy
from qamqor.appeals import selectors, services
from qamqor.appeals.forms import (
    AppealAnswerForm,
    AppealFollowUpForm,
    AppealForm,
    appeal_arguments,
)
from qamqor.appeals.models import Appeal
from qamqor.appeals.services import SubmittedAppeal
from qamqor.directory.models import Region
from qamqor.pages import exportable, paginate, private, run_form, success, user_of


def _idempotency_token(request: HttpRequest) -> str | None:
    """The form's one-time token, so a resent form shows the same code (a double click)."""
    try:
        return str(uuid.UUID(request.POST.get("idempotency_token") or ""))
    except ValueError:
        return None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def appeal_new(request: HttpRequest) -> HttpResponse:
    """An anonymous appeal to the coordinating body. The answer is rendered directly (no
    redirect, no message in the session): nothing of this request is stored with the user."""
    user = user_of(request)
    if not policy.care_scope_for(user).psychologist_org_ids:
        raise Http404("appeal form")
    form = AppealForm(request.POST) if request.method == "POST" else AppealForm()
    form.fields["region"].widget = dj.Select(
        choices=[
            ("", gettext("I prefer not to say")),
            *((region.code, region.name) for region in Region.objects.all()),
        ]
    )
    token = _idempotency_token(request) if request.method == "POST" else None

    def sent(submitted: SubmittedAppeal) -> HttpResponse:
        context = {"code": submitted.followup_code, "week": submitted.appeal.week}
        return render(request, "appeals/appeal_sent.html", context)

    def again(status: int) -> HttpResponse:
        context = {"form": form, "token": token or str(uuid.uuid4())}
        return render(request, "appeals/appeal_form.html", context, status=status)

    return run_form(
        form,
        lambda data: services.submit_appeal(
            actor=user, idempotency_token=token, **appeal_arguments(data)
        ),
        done=sent,
        again=again,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def appeal_followup(request: HttpRequest) -> HttpResponse:
    """The author reads the answer with their code; nothing about who asked is recorded."""
    form = AppealFollowUpForm(request.POST) if request.method == "POST" else AppealFollowUpForm()
    appeal = None
    status = 200
    if request.method == "POST" and form.is_valid():
        appeal = services.find_appeal(form.cleaned_data["code"])
        if appeal is None:
            form.add_error("code", gettext("No appeal has this code. Check the code."))
            status = 404
    return render(
        request, "appeals/appeal_followup.html", {"form": form, "appeal": appeal}, status=status
    )


def _appeals(request: HttpRequest) -> QuerySet[Appeal]:
    """The released appeals the coordinating body reads (404 for anyone else)."""
    user = user_of(request)
    if not policy.care_scope_for(user).national:
        raise Http404("appeals")
    return selectors.appeal_list(user)


APPEALS = exports.TableExport(
    name="appeals",
    title=_("Anonymous appeals"),
    rows=_appeals,
    columns=[
        exports.column(_("Week"), "week"),
        exports.column(_("Category"), "get_category_display"),
        exports.column(_("Region"), "region.name"),
        exports.column(_("Kind of organisation"), "organisation_kind"),
        exports.column(_("Status"), "get_status_display"),
        exports.column(_("Answered"), "answered_at"),
    ],
)


@login_required
@exportable(APPEALS)
@require_safe
def appeal_list(request: HttpRequest) -> HttpResponse:
    return private(
        render(
            request,
            "appeals/appeal_list.html",
            {"page": paginate(request, _appeals(request))},
        )
    )


@login_required
@require_http_methods(["GET", "POST"])
def appeal_detail(request: HttpRequest, appeal_id: uuid.UUID) -> HttpResponse:
    user = user_of(request)
    appeal = selectors.get_appeal_for_user(user, appeal_id)
    form = (
        AppealAnswerForm(request.POST)
        if request.method == "POST"
        else AppealAnswerForm(
            initial={
                "status": appeal.status if appeal.status != "received" else "in_review",
                "response": appeal.response,
            }
        )
    )
    return run_form(
        form,
        lambda data: services.answer_appeal(
            actor=user, appeal=appeal, status=data["status"], response=data["response"]
        ),
        done=lambda _answered: success(
            request,
            gettext("The answer is saved."),
            redirect("care-appeal-detail", appeal_id=appeal.pk),
        ),
        again=lambda status: private(
            render(
                request,
                "appeals/appeal_detail.html",
                {"appeal": appeal, "form": form},
                status=status,
            )
        ),
    )
