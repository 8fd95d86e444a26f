"""Pages of the trust surveys (brief 3.3.4): coordinators open campaigns, print the QR
poster, read the suppressed results with charts and download them; adolescents and parents
answer through the public link, without a login, once per device."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor import exports
from qamqor.accounts import access
from qamqor.intake import limits
from qamqor.pages import run_action, run_form, success, user_of
from qamqor.surveys import posters, selectors, services
from qamqor.surveys.forms import AnswerForm, CampaignForm
from qamqor.surveys.models import Campaign, RespondentGroup

#: The cookie a device answers a campaign with (one per campaign, by its path).
DEVICE_COOKIE = "qamqor_survey"


def _download(
    request: HttpRequest, name: str, tables: list[selectors.ResultTable]
) -> HttpResponseBase | None:
    """The suppressed tables as CSV or XLSX when ``?download=`` asks, else None."""
    fmt = request.GET.get("download")
    if fmt == "csv":
        return exports.csv_response(name, selectors.export_header(), selectors.export_rows(tables))
    if fmt == "xlsx":
        return exports.xlsx_response(
            name,
            selectors.export_header(),
            selectors.export_rows(tables),
            title=gettext("Trust survey"),
        )
    return None


@login_required
@access.gate_required("surveys")
@require_safe
def campaign_list(request: HttpRequest) -> HttpResponse:
    """The campaigns the coordinator sees, newest first, with how many answered."""
    campaigns = selectors.campaign_list(user_of(request))
    return render(request, "surveys/campaign_list.html", {"campaigns": campaigns})


@login_required
@access.gate_required("surveys")
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    """Open a campaign for a school or a region (a regional coordinator: their region)."""
    user = user_of(request)
    today = timezone.localdate()
    if request.method == "POST":
        form = CampaignForm(request.POST)
    else:
        form = CampaignForm(
            initial={
                "opens_on": today,
                "closes_on": today + timedelta(days=21),
                "for_adolescents": True,
                "for_parents": True,
            }
        )
    return run_form(
        form,
        lambda data: services.open_campaign(actor=user, **data),
        done=lambda campaign: success(
            request,
            gettext("The survey is open. Print its poster or share its link."),
            redirect("survey-campaign", public_id=campaign.public_id),
        ),
        again=lambda status: render(
            request, "surveys/campaign_new.html", {"form": form}, status=status
        ),
    )


@login_required
@require_safe
def campaign_detail(request: HttpRequest, public_id: str) -> HttpResponseBase:
    """A campaign: its link, QR code and poster, and its results by respondent group
    (suppressed), with charts and downloads. Outside the coordinator's region: 404."""
    user = user_of(request)
    campaign = selectors.get_campaign(user, public_id)
    tables = selectors.campaign_results(campaign)
    download = _download(request, f"survey-{campaign.public_id}", tables)
    if download is not None:
        return download
    return render(
        request,
        "surveys/campaign_detail.html",
        {
            "campaign": campaign,
            "tables": tables,
            "charts": [table.chart() for table in tables],
            "link": posters.answer_url(campaign),
            "qr": posters.qr_data_uri(campaign),
            "may_close": campaign.is_open(timezone.localdate())
            and access.permits(user, "manage", campaign),
            "minimum": selectors.minimum_cell(),
        },
    )


@login_required
@require_POST
def campaign_close(request: HttpRequest, public_id: str) -> HttpResponse:
    user = user_of(request)
    campaign = selectors.get_campaign(user, public_id, "manage")
    back = redirect("survey-campaign", public_id=campaign.public_id)
    return run_action(
        request,
        lambda: services.close_campaign(actor=user, campaign=campaign),
        done=lambda _closed: success(request, gettext("The survey is closed."), back),
        again=lambda: back,
    )


@login_required
@require_safe
def campaign_poster(request: HttpRequest, public_id: str) -> HttpResponse:
    """The campaign's A4 poster with its QR code (PDF)."""
    campaign = selectors.get_campaign(user_of(request), public_id)
    return HttpResponse(
        posters.poster_pdf(campaign),
        content_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition_header(
                True, f"qamqor-survey-{campaign.token}.pdf"
            ),
            "Cache-Control": "private, no-cache",
        },
    )


@login_required
@access.gate_required("survey_results")
@require_safe
def region_results(request: HttpRequest) -> HttpResponseBase:
    """Every campaign together, by region, for one respondent group (suppressed)."""
    group = request.GET.get("group") or RespondentGroup.ADOLESCENT
    if group not in RespondentGroup.values:
        raise Http404("group")
    tables = selectors.region_results(group)
    download = _download(request, f"survey-regions-{group}", tables)
    if download is not None:
        return download
    return render(
        request,
        "surveys/region_results.html",
        {
            "group": group,
            "groups": RespondentGroup.choices,
            "tables": tables,
            "charts": [table.chart() for table in tables],
            "minimum": selectors.minimum_cell(),
        },
    )


# --- the public pages: no login ------------------------------------------------------------


def _open_campaign(token: str) -> Campaign:
    campaign = selectors.campaign_by_token(token)
    return campaign


@never_cache
@require_safe
def survey_start(request: HttpRequest, token: str) -> HttpResponse:
    """The link the QR code opens: who is answering (straight on when only one group is
    asked)."""
    campaign = _open_campaign(token)
    if not campaign.is_open(timezone.localdate()):
        return render(
            request,
            "surveys/closed.html",
            {"public_page": True, "campaign": campaign},
            status=410,
        )
    if len(campaign.groups) == 1:
        return redirect("survey-answer", token=token, group=campaign.groups[0])
    return render(request, "surveys/start.html", {"public_page": True, "campaign": campaign})


def _device_cookie(response: HttpResponse, campaign: Campaign, value: str) -> None:
    """The random value this device answers ``campaign`` with, kept until the campaign's
    last day is over; only a keyed hash of it is ever stored (docs/surveys.md)."""
    expires = timezone.make_aware(datetime.combine(campaign.last_day + timedelta(days=1), time()))
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        expires=expires,
        path=reverse("survey-start", args=[campaign.token]),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str, group: str) -> HttpResponse:
    """The answer sheet: informal for adolescents, formal for parents. One response per
    device (its cookie), rate-limited per address like the report form."""
    campaign = _open_campaign(token)
    if group not in campaign.groups:
        raise Http404("group")
    if not campaign.is_open(timezone.localdate()):
        return render(
            request,
            "surveys/closed.html",
            {"public_page": True, "campaign": campaign},
            status=410,
        )
    device = request.COOKIES.get(DEVICE_COOKIE, "")
    form = AnswerForm(request.POST if request.method == "POST" else None, group=group)

    def page(status: int) -> HttpResponse:
        response = render(
            request,
            "surveys/answer.html",
            {"public_page": True, "campaign": campaign, "group": group, "form": form},
            status=status,
        )
        if not device:
            _device_cookie(response, campaign, secrets.token_urlsafe(32))
        return response

    return run_form(
        form,
        lambda _data: services.submit_response(
            campaign=campaign, group=group, device=device, answers=form.answers()
        ),
        first=lambda: limits.check_public(request, "survey", field="answers"),
        done=lambda _response: redirect("survey-thanks", token=token, group=group),
        again=page,
    )


@never_cache
@require_safe
def survey_thanks(request: HttpRequest, token: str, group: str) -> HttpResponse:
    campaign = _open_campaign(token)
    if group not in RespondentGroup.values:
        raise Http404("group")
    return render(
        request,
        "surveys/thanks.html",
        {"public_page": True, "campaign": campaign, "group": group},
    )
