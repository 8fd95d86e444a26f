"""Screening campaigns: the list and the form to create one, a campaign with its roster
(classes, consent), its progress, the slips with the codes, the follow-up list, closing."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor.errors import DomainError, InvalidInput
from qamqor.instruments import selectors
from qamqor.instruments.forms import (
    AddClassForm,
    CampaignForm,
    ConsentForm,
)
from qamqor.instruments.models import Campaign
from qamqor.instruments.services.campaigns import close_campaign, create_campaign_from_form
from qamqor.instruments.services.catalogue import today
from qamqor.instruments.services.enrolment import add_class, record_consent
from qamqor.instruments.views.common import (
    PAGE_SIZE,
    screening_scope,
)
from qamqor.pages import apply_domain_error
from qamqor.pages import user_of as _user


@login_required
@require_http_methods(["GET", "POST"])
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    screening = screening_scope(request)
    if not (screening.administers or screening.region_ids or screening.national):
        raise Http404("campaigns")
    first_school = selectors.own_school(user)
    initial = {
        "level": "school" if first_school else "region",
        "school": first_school.code if first_school else "",
        "opens_on": today(),
        "language": translation.get_language() or "ru",
        "consent_required": True,
    }
    form = CampaignForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                campaign = create_campaign_from_form(actor=user, data=form.cleaned_data)
            except DomainError as error:
                apply_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(request, gettext("The campaign is created."))
                return redirect("campaign-detail", public_id=campaign.public_id)
        else:
            status = 422
    page = Paginator(selectors.campaigns(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "instruments/campaign_list.html",
        {
            "page": page,
            "form": form,
            "may_create": bool(screening.school_ids or screening.region_ids or screening.national),
        },
        status=status,
    )


def _campaign_context(request: HttpRequest, campaign: Campaign, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    screening = screening_scope(request)
    own_schools = sorted(screening.school_ids)
    is_psychologist = bool(own_schools)
    pupils = list(selectors.roster(user, campaign)) if is_psychologist else []
    spec = campaign.instrument.spec
    day = today()
    rows = []
    for pupil in pupils:
        administration = pupil.administration
        age = pupil.child.age_on(day)
        rows.append(
            {
                "pupil": pupil,
                "age": age,
                "eligible": age is None or spec.age_range.contains(age),
                "status": administration.status if administration else "",
                "may_answer": pupil.may_answer(campaign.consent_required),
            }
        )
    return {
        "campaign": campaign,
        "spec": spec,
        "progress": selectors.progress_for_user(user, campaign),
        "is_psychologist": is_psychologist,
        "rows": rows,
        "class_form": extra.pop("class_form", None) or AddClassForm(),
        "consent_choices": [
            (value, label)
            for value, label in ConsentForm.base_fields["consent"].choices  # type: ignore[attr-defined]
        ],
        **extra,
    }


@login_required
@require_safe
def campaign_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    campaign = selectors.read_campaign(_user(request), public_id)
    return render(request, "instruments/campaign_detail.html", _campaign_context(request, campaign))


@login_required
@require_safe
def campaign_progress(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The live progress counts (htmx polls this partial)."""
    user = _user(request)
    campaign = selectors.campaign_for_user(user, public_id)
    progress = selectors.progress_for_user(user, campaign)
    return render(
        request,
        "instruments/partials/progress.html",
        {"campaign": campaign, "progress": progress},
    )


@login_required
@require_POST
def campaign_add_class(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    campaign = selectors.campaign_for_user(user, public_id)
    form = AddClassForm(request.POST)
    status = 422
    if form.is_valid():
        chosen = campaign.school if campaign.school_id else selectors.own_school(user)
        try:
            if chosen is None:
                raise InvalidInput.on(
                    "class_label", gettext("Only a school psychologist adds classes.")
                )
            added = add_class(
                actor=user,
                campaign=campaign,
                school=chosen,
                class_label=form.cleaned_data["class_label"],
                new_pupils=form.cleaned_data.get("new_pupils") or 0,
                pupil_lines=(form.cleaned_data.get("pupils") or "").splitlines(),
            )
        except DomainError as error:
            apply_domain_error(form, error)
            status = error.status_code
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s pupil is on the list.", "%(count)s pupils are on the list.", added
                )
                % {"count": added},
            )
            return redirect("campaign-detail", public_id=public_id)
    campaign = selectors.campaign_for_user(user, public_id)
    return render(
        request,
        "instruments/campaign_detail.html",
        _campaign_context(request, campaign, class_form=form),
        status=status,
    )


@login_required
@require_POST
def campaign_consent(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    campaign = selectors.campaign_for_user(user, public_id)
    ids = list(selectors.roster(user, campaign).values_list("pk", flat=True))
    form = ConsentForm(request.POST, pupil_ids=ids)
    if form.is_valid():
        try:
            changed = record_consent(
                actor=user,
                campaign=campaign,
                pupil_ids=form.cleaned_data["pupils"],
                consent=form.cleaned_data["consent"],
            )
        except DomainError as error:
            messages.error(request, str(error.detail))
        else:
            messages.success(
                request,
                ngettext(
                    "Consent recorded for %(count)s pupil.",
                    "Consent recorded for %(count)s pupils.",
                    changed,
                )
                % {"count": changed},
            )
    else:
        messages.error(request, gettext("Choose the pupils and the consent."))
    return redirect(reverse("campaign-detail", args=[public_id]) + "#roster")


@login_required
@require_safe
def campaign_slips(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Printable slips: one code per pupil whose code works (consent recorded)."""
    campaign, slips = selectors.read_slips(_user(request), public_id)
    return render(
        request,
        "instruments/slips.html",
        {
            "campaign": campaign,
            "slips": slips,
            "entry_url": request.build_absolute_uri(reverse("screening-code")),
        },
    )


@login_required
@require_safe
def campaign_follow_up(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    campaign, items = selectors.read_follow_up(_user(request), public_id, limit=500)
    return render(request, "instruments/follow_up.html", {"campaign": campaign, "items": items})


@login_required
@require_POST
def campaign_close(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    campaign = selectors.campaign_for_user(user, public_id)
    try:
        close_campaign(actor=user, campaign=campaign)
    except DomainError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, gettext("The campaign is closed."))
    return redirect("campaign-detail", public_id=public_id)
