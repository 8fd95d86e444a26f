"""The trust surveys in the API, under /api/v1/surveys/ (brief 3.3.4; docs/api.md): the
coordinators' campaigns and suppressed results, and the public answer endpoint (no sign-in,
rate-limited with the answer page, one response per device value), through the same forms
and services as the pages."""

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status

from qamqor.accounts import access
from qamqor.apikit import errors, validated
from qamqor.apikit import request_user as _user
from qamqor.errors import InvalidInput
from qamqor.intake import limits
from qamqor.surveys import posters, selectors, services
from qamqor.surveys.forms import AnswerForm, CampaignForm
from qamqor.surveys.models import Campaign, RespondentGroup
from qamqor.surveys.questions import questionnaire

router = Router(tags=["trust surveys"])


def _gate(request: HttpRequest, name: str) -> None:
    """The page's gate for the same operation: closed is a 404, as on the page."""
    if not access.allows(request.user, name):
        raise Http404(name)


class SurveyCampaignIn(Schema):
    title: str
    region: str = ""
    school: str = ""
    for_adolescents: bool = True
    for_parents: bool = True
    opens_on: date
    closes_on: date


class SurveyCampaignOut(Schema):
    public_id: str
    title: str
    region: str
    school: str | None
    groups: list[str]
    opens_on: date
    closes_on: date
    last_day: date
    link: str


class SurveyTableOut(Schema):
    """One question: rows by answers, totals last; cells as published ("<5", "x")."""

    question: str
    title: str
    columns: list[str]
    rows: list[str]
    cells: list[list[str]]


class SurveyResultsOut(Schema):
    minimum: int
    tables: list[SurveyTableOut]


class SurveyCampaignResultsOut(SurveyCampaignOut):
    results: SurveyResultsOut


class SurveyOptionOut(Schema):
    code: str
    label: str


class SurveyQuestionOut(Schema):
    code: str
    text: str
    options: list[SurveyOptionOut]


class SurveySheetOut(Schema):
    title: str
    place: str
    groups: list[str]
    questions: dict[str, list[SurveyQuestionOut]]


class SurveyAnswerIn(Schema):
    group: str
    device: str
    answers: dict[str, str]


class SurveyAnsweredOut(Schema):
    detail: str


def _campaign(campaign: Campaign) -> dict[str, Any]:
    return {
        "public_id": str(campaign.public_id),
        "title": campaign.title,
        "region": campaign.region.code,
        "school": campaign.school.code if campaign.school else None,
        "groups": campaign.groups,
        "opens_on": campaign.opens_on,
        "closes_on": campaign.closes_on,
        "last_day": campaign.last_day,
        "link": posters.answer_url(campaign),
    }


def _results(tables: list[selectors.ResultTable]) -> dict[str, Any]:
    return {
        "minimum": selectors.minimum_cell(),
        "tables": [
            {
                "question": table.question.code,
                "title": table.title,
                "columns": [code for code, _label in table.columns] + ["total"],
                "rows": [code for code, _label in table.rows] + ["total"],
                "cells": [texts for _label, texts in table.lines()],
            }
            for table in tables
        ],
    }


@router.get(
    "/campaigns",
    response={200: list[SurveyCampaignOut], **errors(404)},
    summary="Survey campaigns in your area (coordinators)",
)
def list_survey_campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    _gate(request, "surveys")
    return [_campaign(c) for c in selectors.campaign_list(_user(request))]


@router.post(
    "/campaigns",
    response={201: SurveyCampaignOut, **errors(403, 404)},
    summary="Open a survey campaign for a school or a region (coordinators)",
)
def open_survey_campaign(request: HttpRequest, payload: SurveyCampaignIn) -> Status[dict[str, Any]]:
    _gate(request, "surveys")
    data = validated(CampaignForm, payload.dict())
    campaign = services.open_campaign(actor=_user(request), **data)
    return Status(201, _campaign(campaign))


@router.get(
    "/campaigns/{public_id}",
    response=SurveyCampaignResultsOut,
    summary="A campaign and its results by respondent group (small cells suppressed)",
)
def get_survey_campaign(request: HttpRequest, public_id: str) -> dict[str, Any]:
    campaign = selectors.get_campaign(_user(request), public_id)
    return {**_campaign(campaign), "results": _results(selectors.campaign_results(campaign))}


@router.post(
    "/campaigns/{public_id}/close",
    response={200: SurveyCampaignOut, **errors(403, 409)},
    summary="Close a campaign today",
)
def close_survey_campaign(request: HttpRequest, public_id: str) -> dict[str, Any]:
    campaign = selectors.get_campaign(_user(request), public_id, "manage")
    return _campaign(services.close_campaign(actor=_user(request), campaign=campaign))


class SurveyResultsFilter(Schema):
    group: str = RespondentGroup.ADOLESCENT


@router.get(
    "/results",
    response={200: SurveyResultsOut, **errors(404, 422)},
    summary="Every campaign together, by region, for one respondent group (suppressed)",
)
def survey_results(request: HttpRequest, filters: Query[SurveyResultsFilter]) -> Any:
    _gate(request, "survey_results")
    if filters.group not in RespondentGroup.values:
        raise InvalidInput.on("group", _("Choose adolescents or parents."))
    return _results(selectors.region_results(filters.group))


@router.get(
    "/answer/{token}",
    auth=None,
    response=SurveySheetOut,
    summary="A survey's questions for each group asked, in the request's language (public)",
)
def get_survey_sheet(request: HttpRequest, token: str) -> dict[str, Any]:
    campaign = selectors.campaign_by_token(token)
    return {
        "title": campaign.title,
        "place": campaign.place,
        "groups": campaign.groups,
        "questions": {
            group: [
                {
                    "code": question.code,
                    "text": question.text(group),
                    "options": [{"code": o.code, "label": o.label} for o in question.options],
                }
                for question in questionnaire().questions
            ]
            for group in campaign.groups
        },
    }


@router.post(
    "/answer/{token}",
    auth=None,
    response={201: SurveyAnsweredOut, **errors(409, 429)},
    summary="Answer a survey anonymously, once per device value (public, rate-limited)",
)
def answer_survey(
    request: HttpRequest, token: str, payload: SurveyAnswerIn
) -> Status[dict[str, str]]:
    campaign = selectors.campaign_by_token(token)
    limits.check_public(request, "survey", field="answers")
    if payload.group not in campaign.groups:
        raise InvalidInput.on("group", _("This survey does not ask this group."))
    data = validated(AnswerForm, payload.answers, group=payload.group)
    services.submit_response(
        campaign=campaign,
        group=payload.group,
        device=payload.device,
        answers={code: value for code, value in data.items() if value},
        today=timezone.localdate(),
    )
    return Status(201, {"detail": gettext("Thank you for your answers.")})
