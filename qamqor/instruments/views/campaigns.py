"""Screening campaigns: the list and the form to create one, a campaign with its roster
(classes, consent), its progress, the slips with the codes, the follow-up list, closing."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor import exports
from qamqor.accounts import access
from qamqor.errors import InvalidInput
from qamqor.instruments import selectors
from qamqor.instruments.forms import (
    AddClassForm,
    CampaignForm,
    ConsentForm,
)
from qamqor.instruments.models import Administration, Campaign
from qamqor.instruments.services.campaigns import close_campaign, create_campaign_from_form
from qamqor.instruments.services.catalogue import today
from qamqor.instruments.services.enrolment import add_class, record_consent
from qamqor.instruments.views.common import (
    PAGE_SIZE,
    screening_scope,
)
from qamqor.pages import exportable, run_action, run_form, success
from qamqor.pages import user_of as _user


def _may_list(request: HttpRequest) -> None:
    screening = screening_scope(request)
    if not (screening.administers or screening.region_ids or screening.national):
        raise Http404("campaigns")


def _campaigns(request: HttpRequest) -> QuerySet[Campaign]:
    _may_list(request)
    return selectors.campaigns(_user(request))


CAMPAIGNS = exports.TableExport(
    name="campaigns",
    title=_("Screening campaigns"),
    rows=_campaigns,
    columns=[
        exports.column(_("Title"), "title"),
        exports.column(_("Instrument"), "instrument.code"),
        exports.column(_("Level"), "get_level_display"),
        exports.column(_("Region"), "region.name"),
        exports.column(_("District"), "district.name"),
        exports.column(_("School"), "school.name"),
        exports.column(_("Opens"), "opens_on"),
        exports.column(_("Closes"), "closes_on"),
        exports.column(_("Status"), "get_status_display"),
    ],
    personal=False,  # titles, places and dates: no child's data
)


@login_required
@exportable(CAMPAIGNS)
@require_http_methods(["GET", "POST"])
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    screening = screening_scope(request)
    _may_list(request)
    first_school = selectors.own_school(user)
    initial = {
        "level": "school" if first_school else "region",
        "school": first_school.code if first_school else "",
        "opens_on": today(),
        "language": translation.get_language() or "ru",
        "consent_required": True,
    }
    form = CampaignForm(request.POST if request.method == "POST" else None, initial=initial)

    def again(status: int) -> HttpResponse:
        page = Paginator(_campaigns(request), PAGE_SIZE).get_page(request.GET.get("page"))
        may_create = bool(screening.school_ids or screening.region_ids or screening.national)
        return render(
            request,
            "instruments/campaign_list.html",
            {"page": page, "form": form, "may_create": may_create},
            status=status,
        )

    return run_form(
        form,
        lambda data: create_campaign_from_form(actor=user, data=data),
        done=lambda campaign: success(
            request,
            gettext("The campaign is created."),
            redirect("campaign-detail", public_id=campaign.public_id),
        ),
        again=again,
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

    def add(data: dict[str, Any]) -> int:
        chosen = campaign.school if campaign.school_id else selectors.own_school(user)
        if chosen is None:
            raise InvalidInput.on(
                "class_label", gettext("Only a school psychologist adds classes.")
            )
        return add_class(
            actor=user,
            campaign=campaign,
            school=chosen,
            class_label=data["class_label"],
            new_pupils=data.get("new_pupils") or 0,
            pupil_lines=(data.get("pupils") or "").splitlines(),
        )

    def again(status: int) -> HttpResponse:
        reread = selectors.campaign_for_user(user, public_id)
        context = _campaign_context(request, reread, class_form=form)
        return render(request, "instruments/campaign_detail.html", context, status=status)

    return run_form(
        form,
        add,
        done=lambda added: success(
            request,
            ngettext("%(count)s pupil is on the list.", "%(count)s pupils are on the list.", added)
            % {"count": added},
            redirect("campaign-detail", public_id=public_id),
        ),
        again=again,
    )


@login_required
@require_POST
def campaign_consent(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    campaign = selectors.campaign_for_user(user, public_id)
    ids = list(selectors.roster(user, campaign).values_list("pk", flat=True))
    form = ConsentForm(request.POST, pupil_ids=ids)
    back = reverse("campaign-detail", args=[public_id]) + "#roster"

    def record() -> int:
        if not form.is_valid():
            raise InvalidInput(gettext("Choose the pupils and the consent."))
        return record_consent(
            actor=user,
            campaign=campaign,
            pupil_ids=form.cleaned_data["pupils"],
            consent=form.cleaned_data["consent"],
        )

    return run_action(
        request,
        record,
        done=lambda changed: success(
            request,
            ngettext(
                "Consent recorded for %(count)s pupil.",
                "Consent recorded for %(count)s pupils.",
                changed,
            )
            % {"count": changed},
            redirect(back),
        ),
        again=lambda: redirect(back),
    )


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


FOLLOW_UP_LIMIT = 500  # the page lists the most urgent pupils first, up to this many


def _follow_up(request: HttpRequest, public_id: uuid.UUID) -> QuerySet[Administration]:
    """The campaign's pupils for follow-up as its page lists them; 404 for anyone the
    campaign's follow-up rule does not name."""
    user = _user(request)
    campaign = access.get_or_404(Campaign.objects.all(), user, "follow_up", public_id=public_id)
    return selectors.follow_up_list(user, campaign)[:FOLLOW_UP_LIMIT]


FOLLOW_UP = exports.TableExport(
    name="campaign-follow-up",
    title=_("Follow-up list"),
    rows=_follow_up,
    columns=[
        exports.column(_("Class"), "pupil.class_label"),
        exports.column(_("Code"), "child.code"),
        exports.column(_("Instrument"), "instrument.code"),
        exports.column(_("Score"), "score"),
        exports.column(_("Result"), "band_label"),
        exports.column(_("Alert"), "critical"),
        exports.column(_("Submitted"), "submitted_at"),
    ],
    scoped=True,
)


@login_required
@exportable(FOLLOW_UP)
@require_safe
def campaign_follow_up(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    campaign, items = selectors.read_follow_up(_user(request), public_id, limit=FOLLOW_UP_LIMIT)
    return render(request, "instruments/follow_up.html", {"campaign": campaign, "items": items})


@login_required
@require_POST
def campaign_close(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    campaign = selectors.campaign_for_user(user, public_id)
    return run_action(
        request,
        lambda: close_campaign(actor=user, campaign=campaign),
        done=lambda closed: success(
            request,
            gettext("The campaign is closed."),
            redirect("campaign-detail", public_id=public_id),
        ),
        again=lambda: redirect("campaign-detail", public_id=public_id),
    )
