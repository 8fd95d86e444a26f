"""Coordination pages: "who holds the ball" (every open step by organisation and region,
overdue first) and the protocol versions the national coordinator publishes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from qamqor.cases.classification import PerpetratorRelationship, RiskLevel, Setting, ViolenceForm
from qamqor.directory.models import OrganisationKind, Region
from qamqor.errors import DomainError
from qamqor.pages import paginate, user_of
from qamqor.protocols import selectors
from qamqor.protocols import services as protocol_services
from qamqor.protocols.definitions import Condition, StepSpec
from qamqor.translation import pick

# Kinds that hold protocol steps (coordinating and monitoring bodies never do).
STEP_HOLDER_KINDS = [
    kind for kind in OrganisationKind if kind not in {"coordinating_body", "monitoring_body"}
]


class OpenStepFilterForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False)
    organisation_kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        required=False,
        choices=[("", _("Any kind")), *((kind.value, kind.label) for kind in STEP_HOLDER_KINDS)],
    )
    overdue_only = forms.BooleanField(label=_("Only overdue steps"), required=False)

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ChoiceField)  # noqa: S101  declared above
        region_field.choices = [
            ("", _("Every region")),
            *((region.code, region.name) for region in regions),
        ]


@login_required
@require_safe
def open_steps(request: HttpRequest) -> HttpResponse:
    """Who holds the ball: every open step the user may see, overdue first, with how long
    it has waited and who holds the most overdue steps."""
    user = user_of(request)
    if not selectors.may_see_open_steps(user):
        raise Http404("open steps")
    filters = OpenStepFilterForm(request.GET, regions=list(Region.objects.order_by("code")))
    filters.is_valid()  # an unknown value is ignored, the valid filters still apply
    chosen = getattr(filters, "cleaned_data", {})
    now = timezone.now()
    steps = selectors.open_steps(
        user,
        region=chosen.get("region") or None,
        organisation_kind=chosen.get("organisation_kind") or None,
        overdue_only=bool(chosen.get("overdue_only")),
        now=now,
    )
    page = paginate(request, steps)
    return render(
        request,
        "web/open_steps.html",
        {
            "page": page,
            "load": selectors.load_by_organisation(steps, now=now),
            "filters": filters,
            "filtered": any(chosen.values()),
            "now": now,
        },
    )


# --- protocol versions ----------------------------------------------------------------------


def _require_reader(request: HttpRequest) -> None:
    if not selectors.may_see_protocols(user_of(request)):
        raise Http404("protocols")


def describe_condition(condition: Condition) -> str:
    """A step's or protocol's condition in words, in the active language."""

    def labels(choices: Any, codes: list[str]) -> str:
        names = dict(choices.choices)
        return ", ".join(str(names.get(code, code)) for code in codes)

    parts = []
    if condition.setting_in is not None:
        parts.append(gettext("setting: %(v)s") % {"v": labels(Setting, condition.setting_in)})
    if condition.forms_any is not None:
        parts.append(gettext("forms: %(v)s") % {"v": labels(ViolenceForm, condition.forms_any)})
    if condition.perpetrator_in is not None:
        parts.append(
            gettext("alleged perpetrator: %(v)s")
            % {"v": labels(PerpetratorRelationship, condition.perpetrator_in)}
        )
    if condition.risk_in is not None:
        parts.append(gettext("risk: %(v)s") % {"v": labels(RiskLevel, condition.risk_in)})
    flags = (
        (condition.in_danger_now, gettext("child in danger now"), gettext("not in danger now")),
        (condition.self_harm_risk, gettext("suicide risk or self-harm"), gettext("no self-harm")),
        (condition.repeated, gettext("repeated"), gettext("not repeated")),
    )
    for value, yes, no in flags:
        if value is not None:
            parts.append(yes if value else no)
    return "; ".join(parts)


def _accountable(role: str) -> str:
    kinds = protocol_services.ORGANISATION_KINDS
    if role == "school":
        return str(OrganisationKind.SCHOOL.label)
    return str(OrganisationKind(kinds[role]).label) if role in kinds else role


def _notify_target(target: str) -> str:
    if target == "legal_representatives":
        return gettext("legal representatives")
    if target == "regional_coordinator":
        return gettext("regional coordinators")
    return _accountable(target)


def step_description(step: StepSpec) -> dict[str, Any]:
    """What the protocol page shows of one step of a definition."""
    deadline = step.deadline
    return {
        "key": step.key,
        "title": pick(step.title.model_dump()),
        "accountable": _accountable(step.accountable),
        "deadline": (
            ngettext("%(n)d working day", "%(n)d working days", deadline.working_days)
            % {"n": deadline.working_days}
            if deadline.working_days
            else ngettext("%(n)d hour", "%(n)d hours", deadline.hours or 0) % {"n": deadline.hours}
        ),
        "after": step.after,
        "when": [describe_condition(condition) for condition in step.when or []],
        "qualification": step.requires_qualification,
        "notify": [_notify_target(notice.to) for notice in step.notify],
        "basis": step.basis,
        "fields": [
            {"label": pick(f.label.model_dump()), "kind": f.kind, "required": f.required}
            for f in step.output.fields
        ],
    }


@login_required
@require_safe
def protocol_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    return render(
        request,
        "web/protocol_list.html",
        {"entries": selectors.catalogue(), "may_publish": selectors.may_publish(user_of(request))},
    )


def _render_version(
    request: HttpRequest, code: str, version: int, *, status: int = 200, alert: str | None = None
) -> HttpResponse:
    detail = selectors.version_detail(code, version)
    spec = detail.row.spec
    titles = {step.key: pick(step.title.model_dump()) for step in spec.steps}
    against_titles = (
        {step.key: pick(step.title.model_dump()) for step in detail.against.spec.steps}
        if detail.against
        else {}
    )
    return render(
        request,
        "web/protocol_version.html",
        {
            "detail": detail,
            "spec": spec,
            "applies": [describe_condition(condition) for condition in spec.conditions],
            "steps": [step_description(step) for step in spec.steps],
            "titles": titles,
            "removed_titles": [
                against_titles.get(k, k) for k in (detail.diff or {}).get("removed", [])
            ],
            "may_publish": selectors.may_publish(user_of(request)),
            "alert": alert,
        },
        status=status,
    )


@login_required
@require_safe
def protocol_version(request: HttpRequest, code: str, version: int) -> HttpResponse:
    _require_reader(request)
    return _render_version(request, code, version)


@login_required
@require_POST
def protocol_publish(request: HttpRequest, code: str, version: int) -> HttpResponse:
    """The national coordinator publishes a version: new cases start on it."""
    _require_reader(request)
    selectors.version_detail(code, version)  # 404 for an unknown version
    try:
        published = protocol_services.publish(code=code, version=version, actor=user_of(request))
    except DomainError as error:
        return _render_version(
            request, code, version, status=error.status_code, alert=str(error.detail)
        )
    messages.success(
        request,
        gettext("%(protocol)s version %(version)d is published: new cases start on it.")
        % {"protocol": published.title, "version": published.version},
    )
    return redirect("protocol-version", code=code, version=version)
