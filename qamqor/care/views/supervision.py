"""Supervision and intervision sessions (brief 2.3.3): recording one, and the sessions the
user took part in, facilitated, hosts or oversees."""

from __future__ import annotations

from django import forms as dj
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from qamqor import exports
from qamqor.accounts import access
from qamqor.care import selectors
from qamqor.care.forms import SupervisionForm, supervision_arguments
from qamqor.care.services import supervision as supervision_services
from qamqor.care.views.common import now_local_minutes, org_select
from qamqor.pages import exportable, paginate, private, run_form, success, user_of

SUPERVISION = exports.TableExport(
    name="supervision",
    title=_("Supervision sessions"),
    rows=lambda request: selectors.supervision_sessions(user_of(request)),
    columns=[
        exports.column(_("Held"), "held_at"),
        exports.column(_("Organisation"), "organisation.name"),
        exports.column(_("Kind"), "get_kind_display"),
        exports.column(_("Level"), "get_level_display"),
        exports.column(_("Online"), "online"),
        exports.column(_("Minutes"), "duration_minutes"),
        exports.column(_("Topic"), "topic"),
        exports.Column(
            _("Facilitator"),
            lambda s: s.facilitator.get_username() if s.facilitator else s.facilitator_name,
        ),
        exports.Column(
            _("Participants"),
            lambda s: ", ".join(p.get_username() for p in s.participants.all()),
        ),
        exports.column(_("Guests"), "guests"),
    ],
)


@login_required
@exportable(SUPERVISION)
@require_http_methods(["GET", "POST"])
@access.gate_required("supervision")
def supervision(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    hosts = selectors.supervision_hosts(user)
    form = (
        SupervisionForm(request.POST)
        if request.method == "POST"
        else SupervisionForm(
            initial={
                "organisation": hosts[0].code if hosts else "",
                "held_at": now_local_minutes(),
                "participants": user.get_username(),
            }
        )
    )
    form.fields["organisation"].widget = org_select(hosts) if hosts else dj.HiddenInput()

    def again(status: int) -> HttpResponse:
        sessions = paginate(
            request,
            selectors.supervision_sessions(user),
            audit_as="supervision",
            audit_id="public_id",
        )
        context = {"form": form, "page": sessions}
        return private(render(request, "care/supervision.html", context, status=status))

    return run_form(
        form,
        lambda data: supervision_services.record_supervision(
            actor=user, **supervision_arguments(user, data)
        ),
        done=lambda _session: success(
            request, gettext("The session is recorded."), redirect("care-supervision")
        ),
        again=again,
    )
