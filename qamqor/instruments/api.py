"""Screenings: instruments (and their FHIR Questionnaires), administrations, alerts,
campaigns, FHIR QuestionnaireResponse export and import, suppressed aggregates, and the
child's own submission with a one-time code (no login, nothing but a receipt back)."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from qamqor.accounts import policy
from qamqor.accounts.second_factor import check_fresh_for_api
from qamqor.apikit import Pagination, errors, validated
from qamqor.apikit import request_user as _user
from qamqor.directory.models import Region
from qamqor.errors import InvalidInput
from qamqor.instruments import definitions, fhir, selectors
from qamqor.instruments.forms import CampaignForm
from qamqor.instruments.models import Administration, Alert, Campaign, InstrumentVersion
from qamqor.instruments.services import fhir_import
from qamqor.instruments.services.administration import start_screening
from qamqor.instruments.services.alerts import acknowledge_alert
from qamqor.instruments.services.campaigns import create_campaign_from_form
from qamqor.instruments.services.codes import CodeNotValid
from qamqor.instruments.services.submission import submit_by_code, submit_interview
from qamqor.intake import limits

router = Router(tags=["screenings"])


class TranslationOut(Schema):
    source: str
    validated: bool
    note: str


class InstrumentOut(Schema):
    code: str
    version: int
    short_name: str
    name: dict[str, str]
    age_min: int
    age_max: int | None
    modes: list[str]
    loinc_panel: str | None
    loinc_total: str | None
    licence: str
    attribution: str
    translations: dict[str, TranslationOut]
    score_min: int | None
    score_max: int | None
    bands: list[dict[str, Any]]


def _instrument_out(spec: definitions.InstrumentSpec) -> dict[str, Any]:
    score_range = spec.score_range
    return {
        "code": spec.code,
        "version": spec.version,
        "short_name": spec.short_name,
        "name": spec.name.as_dict(),
        "age_min": spec.age_range.min,
        "age_max": spec.age_range.max,
        "modes": list(spec.modes),
        "loinc_panel": spec.loinc.panel,
        "loinc_total": spec.loinc.total,
        "licence": spec.licence,
        "attribution": spec.attribution,
        "translations": spec.translations.model_dump(),
        "score_min": score_range[0] if score_range else None,
        "score_max": score_range[1] if score_range else None,
        "bands": [
            {
                "code": b.code,
                "min": b.min,
                "max": b.max,
                "label": b.label.as_dict(),
                "follow_up": b.follow_up,
            }
            for b in spec.bands
        ],
    }


@router.get("/instruments", response=list[InstrumentOut], summary="The instrument library")
def list_instruments(request: HttpRequest) -> list[dict[str, Any]]:
    return [_instrument_out(loaded.spec) for loaded in definitions.latest_all()]


@router.get("/instruments/{code}", response=dict, summary="One instrument's full definition")
def get_instrument(request: HttpRequest, code: str) -> dict[str, Any]:
    selectors.instrument_spec(code)  # 404 for an unknown code
    return definitions.latest(code).raw


@router.get(
    "/instruments/{code}/fhir",
    response=dict,
    summary="The instrument as a FHIR R4B Questionnaire",
)
def get_questionnaire(request: HttpRequest, code: str) -> dict[str, Any]:
    return fhir.questionnaire(selectors.instrument_spec(code))


class AlertOut(Schema):
    id: int
    rule: str
    severity: str
    label: str
    created_at: datetime
    acknowledged_at: datetime | None
    escalated_at: datetime | None
    escalated_to: str | None
    case: str | None

    @staticmethod
    def resolve_label(obj: Alert) -> str:
        return obj.label()

    @staticmethod
    def resolve_escalated_to(obj: Alert) -> str | None:
        return obj.escalated_to.code if obj.escalated_to_id and obj.escalated_to else None

    @staticmethod
    def resolve_case(obj: Alert) -> str | None:
        return obj.case.number if obj.case_id and obj.case else None


class AdministrationOut(Schema):
    id: uuid.UUID
    instrument: str
    version: int
    child: str
    mode: str
    status: str
    language: str
    created_at: datetime
    submitted_at: datetime | None
    expires_at: datetime | None
    answers: dict[str, str]
    raw_total: int | None
    score: int | None
    subscales: dict[str, int]
    band: str
    band_label: str
    needs_follow_up: bool
    critical: bool
    stated_total: int | None
    stated_total_matches: bool | None
    alerts: list[AlertOut]
    code: str | None = None

    @staticmethod
    def resolve_id(obj: Administration) -> uuid.UUID:
        return obj.public_id

    @staticmethod
    def resolve_instrument(obj: Administration) -> str:
        return obj.instrument.code

    @staticmethod
    def resolve_version(obj: Administration) -> int:
        return obj.instrument.version

    @staticmethod
    def resolve_child(obj: Administration) -> str:
        return obj.child.code

    @staticmethod
    def resolve_band_label(obj: Administration) -> str:
        return obj.band_label()

    @staticmethod
    def resolve_stated_total_matches(obj: Administration) -> bool | None:
        return None if obj.stated_total is None else not obj.total_mismatch

    @staticmethod
    def resolve_alerts(obj: Administration) -> list[Alert]:
        return list(obj.alerts.all())


class StartIn(Schema):
    child: str
    instrument: str
    mode: str = "interview"
    language: str = "ru"
    answers: dict[str, str] | None = None


class AnswersIn(Schema):
    answers: dict[str, str]


def _reloaded(request: HttpRequest, administration: Administration) -> Administration:
    return selectors.administration_for_user(_user(request), administration.public_id)


@router.post(
    "/administrations",
    response={201: AdministrationOut, **errors(404)},
    summary="Start a screening: an interview (answers may come at once) or a one-time code",
)
def start(request: HttpRequest, payload: StartIn) -> Status[Administration]:
    user = _user(request)
    child = selectors.child_for_screening(user, payload.child)
    started = start_screening(
        actor=user,
        child=child,
        instrument_code=payload.instrument,
        mode=payload.mode,
        language=payload.language,
        answers=payload.answers,
    )
    out = _reloaded(request, started.administration)
    if started.code is not None:
        out.code = started.code  # type: ignore[attr-defined]
    return Status(201, out)


@router.get(
    "/administrations/{public_id}",
    response=AdministrationOut,
    summary="One screening's answers and result (the read is audited)",
)
def get_administration(request: HttpRequest, public_id: uuid.UUID) -> Administration:
    return selectors.read_administration(_user(request), public_id)


@router.post(
    "/administrations/{public_id}/answers",
    response=AdministrationOut,
    summary="Record an interview's answers; scored at once",
)
def answer(request: HttpRequest, public_id: uuid.UUID, payload: AnswersIn) -> Administration:
    user = _user(request)
    administration = selectors.administration_for_user(user, public_id)
    submit_interview(administration=administration, actor=user, answers=payload.answers)
    return _reloaded(request, administration)


@router.get(
    "/administrations/{public_id}/fhir",
    response=dict,
    summary="The screening as a FHIR R4B QuestionnaireResponse (the export is audited)",
)
def export_response(request: HttpRequest, public_id: uuid.UUID) -> dict[str, Any]:
    check_fresh_for_api(request)  # a session needs a recent code; a token does not
    return selectors.read_fhir_export(_user(request), public_id)


@router.post(
    "/fhir/QuestionnaireResponse",
    response={200: AdministrationOut, 201: AdministrationOut},
    summary="Import a FHIR R4B QuestionnaireResponse of a shipped instrument; the score is "
    "recomputed and a stated total that disagrees is flagged; the same response (identifier, "
    "or id from the same source) sent again answers 200 with the first import",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/fhir+json": {"schema": {"type": "object"}}},
        }
    },
)
def import_response(request: HttpRequest) -> Status[Administration]:
    user = _user(request)
    try:
        payload = json.loads(request.body or b"null")
    except ValueError:
        raise InvalidInput.on("body", _("The request body is not valid JSON.")) from None
    parsed = fhir.parse_response(payload)
    child = selectors.child_for_screening(user, parsed.child_code)
    imported = fhir_import.import_response(actor=user, child=child, parsed=parsed)
    return Status(201 if imported.created else 200, _reloaded(request, imported.administration))


@router.get(
    "/children/{code}/administrations",
    response=list[AdministrationOut],
    summary="A child's completed screenings (the read is audited)",
)
def child_history(request: HttpRequest, code: str) -> list[Administration]:
    listed = selectors.read_child_screenings(_user(request), code).history
    prefetch_related_objects(listed, "alerts")
    return listed


@router.get("/alerts", response=list[AlertOut], summary="Open alerts you may see")
def list_alerts(request: HttpRequest) -> list[Alert]:
    return selectors.read_open_alerts(_user(request), limit=500)


@router.post("/alerts/{pk}/acknowledge", response=AlertOut, summary="Acknowledge an alert")
def acknowledge(request: HttpRequest, pk: int) -> Alert:
    user = _user(request)
    alert = selectors.alert_for_user(user, pk)
    return acknowledge_alert(alert=alert, actor=user)


class ProgressOut(Schema):
    enrolled: int
    consent_given: int
    consent_refused: int
    consent_unknown: int
    codes: int
    completed: int
    follow_up: int


class CampaignOut(Schema):
    id: uuid.UUID
    title: str
    instrument: str
    version: int
    level: str
    region: str
    district: str | None
    school: str | None
    status: str
    opens_on: date
    closes_on: date
    consent_required: bool
    follow_up_threshold: int | None
    progress: ProgressOut | None = None

    @staticmethod
    def resolve_id(obj: Campaign) -> uuid.UUID:
        return obj.public_id

    @staticmethod
    def resolve_instrument(obj: Campaign) -> str:
        return obj.instrument.code

    @staticmethod
    def resolve_version(obj: Campaign) -> int:
        return obj.instrument.version

    @staticmethod
    def resolve_region(obj: Campaign) -> str:
        return obj.region.code

    @staticmethod
    def resolve_district(obj: Campaign) -> str | None:
        return obj.district.code if obj.district_id and obj.district else None

    @staticmethod
    def resolve_school(obj: Campaign) -> str | None:
        return obj.school.code if obj.school_id and obj.school else None


class CampaignIn(Schema):
    title: str
    instrument: str
    level: str
    school: str = ""
    district: str = ""
    region: str = ""
    class_labels: str = ""
    opens_on: str
    closes_on: str
    language: str = "ru"
    consent_required: bool = True
    follow_up_threshold: int | None = None


@router.post("/campaigns", response={201: CampaignOut}, summary="Start a screening campaign")
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status[Campaign]:
    data = validated(CampaignForm, payload.dict())
    campaign = create_campaign_from_form(actor=_user(request), data=data)
    return Status(201, selectors.campaign_for_user(_user(request), campaign.public_id))


@router.get("/campaigns", response=list[CampaignOut], summary="Campaigns you run or watch")
@paginate(Pagination)
def list_campaigns(request: HttpRequest) -> object:
    return selectors.campaigns(_user(request))


@router.get("/campaigns/{public_id}", response=CampaignOut, summary="A campaign and its progress")
def get_campaign(request: HttpRequest, public_id: uuid.UUID) -> Campaign:
    user = _user(request)
    campaign = selectors.campaign_for_user(user, public_id)
    progress = selectors.progress_for_user(user, campaign)
    campaign.progress = progress.__dict__  # type: ignore[attr-defined]
    return campaign


@router.get(
    "/campaigns/{public_id}/follow-up",
    response=list[AdministrationOut],
    summary="Pupils for follow-up (psychologists of the pupils' schools only)",
)
def follow_up(request: HttpRequest, public_id: uuid.UUID) -> list[Administration]:
    _campaign, listed = selectors.read_follow_up(_user(request), public_id, limit=1000)
    prefetch_related_objects(listed, "alerts")
    return listed


class ReceiptOut(Schema):
    received: bool


class SelfAnswersIn(AnswersIn):
    """The child's answers with the one-time code in the body, never in the URL: paths end
    up in proxy and server logs, bodies do not."""

    code: str


@router.post(
    "/self",
    auth=None,
    response={201: ReceiptOut, **errors(404, 409)},
    summary="The child's answers with a one-time code (no login); answers nothing but a receipt",
)
def submit_self(request: HttpRequest, payload: SelfAnswersIn) -> Status[dict[str, bool]]:
    limits.check_public(request, "screening-code", field="code")
    try:
        submit_by_code(code=payload.code, answers=payload.answers)
    except CodeNotValid:
        limits.code_failed("screening-code")
        raise
    return Status(201, {"received": True})


class AggregateRowOut(Schema):
    group: str
    label: str
    counts: list[int | None]


class AggregatesOut(Schema):
    instrument: str
    version: int
    group_by: str
    national: bool
    small_cell_minimum: int
    bands: list[str]
    rows: list[AggregateRowOut]
    totals: list[int | None] | None
    distribution: list[tuple[int, int | None]]


class AggregateFilter(Schema):
    instrument: str
    version: int | None = None
    group_by: str = "region"
    region: str | None = None
    sex: str | None = None
    age: int | None = None


@router.get(
    "/aggregates",
    response={200: AggregatesOut, **errors(404)},
    summary="Band counts and score distribution, small cells suppressed (None)",
)
def aggregates(request: HttpRequest, filters: Query[AggregateFilter]) -> dict[str, Any]:
    user = _user(request)
    if not policy.scope_for(user).sees_statistics:
        raise Http404
    if filters.group_by not in selectors.GROUPINGS:
        raise InvalidInput.on("group_by", _("Choose region, district, age or sex."))
    versions = InstrumentVersion.objects.filter(code=filters.instrument)
    if filters.version is not None:
        versions = versions.filter(version=filters.version)
    instrument = versions.order_by("-version").first()
    if instrument is None:
        selectors.instrument_spec(filters.instrument)  # 404 for an unknown instrument
        raise Http404("no administrations of this instrument yet")
    region = None
    if filters.region:
        region = Region.objects.filter(code=filters.region).first()
        if region is None:
            raise InvalidInput.on("region", _("No region has this code."))
    data = selectors.read_aggregates(
        user,
        instrument=instrument,
        group_by=filters.group_by,
        region=region,
        sex=filters.sex,
        age=filters.age,
    )
    return {
        "instrument": instrument.code,
        "version": instrument.version,
        "group_by": data.group_by,
        "national": data.national,
        "small_cell_minimum": data.minimum,
        "bands": [code for code, _label in data.bands],
        "rows": [
            {"group": str(row.key), "label": row.label, "counts": row.counts} for row in data.rows
        ],
        "totals": data.totals.counts if data.totals else None,
        "distribution": data.distribution,
    }
