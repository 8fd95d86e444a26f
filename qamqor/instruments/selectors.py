"""Reads of screenings, always through the access policy; reads of personal data are audited.

A ``read_*`` selector fetches through the access policy and writes the read's audit
event itself, so the page and the API, which call the same
one, write the same event for the same read, and neither writes a read audit of its own.

Aggregates are counted in the database (one GROUP BY per breakdown) and pass through
small-cell suppression before anyone sees them, coordinators included.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from qamqor.accounts import access, policy
from qamqor.audit import services as audit
from qamqor.cases.models import Child
from qamqor.classification import ChildSex
from qamqor.directory.models import District, Organisation, Region
from qamqor.instruments import definitions, fhir
from qamqor.instruments.models import (
    Administration,
    Alert,
    Campaign,
    CampaignPupil,
    InstrumentVersion,
)
from qamqor.instruments.services.codes import access_code_for
from qamqor.instruments.suppression import suppress
from qamqor.translation import pick

# --- children and administrations ---------------------------------------------------------


def screenable_children(user: object) -> QuerySet[Child]:
    return Child.objects.restrict(user, "screen")


def child_for_screening(user: object, code: str) -> Child:
    """The child with this pseudonymous code, if the user may screen them; else 404."""
    child = (
        screenable_children(user)
        .select_related("school__district", "region")
        .filter(code=code.strip().upper())
        .first()
    )
    if child is None:
        raise Http404("child")
    return child


def administration_for_user(user: Any, public_id: uuid.UUID | str) -> Administration:
    """One administration whose results the user may see; otherwise 404 (never 403). Not a
    read of its own (a change, or a reload after one); ``read_administration`` is."""
    administration = (
        Administration.objects.restrict(user, "view")
        .select_related(
            "instrument", "child__school", "child__region", "organisation", "campaign", "created_by"
        )
        .prefetch_related(
            Prefetch(
                "alerts",
                queryset=Alert.objects.select_related(
                    "acknowledged_by", "escalated_to", "case"
                ).order_by("pk"),
            )
        )
        .filter(public_id=public_id)
        .first()
    )
    if administration is None:
        raise Http404("administration")
    return administration


def read_administration(user: Any, public_id: uuid.UUID | str) -> Administration:
    """One administration, its answers and result, read (audited: ``screening.read``)."""
    administration = administration_for_user(user, public_id)
    audit.record(
        actor=user,
        action="screening.read",
        object_type="administration",
        object_id=administration.public_id,
    )
    return administration


def invitation_for_user(user: Any, public_id: uuid.UUID | str) -> tuple[Administration, str]:
    """The one-time code of an administration the child answers alone, to print or show on
    a tablet (audited: ``screening.code_read``); 404 for any other administration."""
    administration = administration_for_user(user, public_id)
    if administration.mode != Administration.Mode.SELF:
        raise Http404("invitation")
    audit.record(
        actor=user,
        action="screening.code_read",
        object_type="administration",
        object_id=administration.public_id,
    )
    return administration, access_code_for(administration)


def read_fhir_export(user: Any, public_id: uuid.UUID | str) -> dict[str, Any]:
    """The administration as a FHIR R4B QuestionnaireResponse; the export is audited
    (``screening.export``), the read that precedes it is part of it."""
    administration = administration_for_user(user, public_id)
    audit.record(
        actor=user,
        action="screening.export",
        object_type="administration",
        object_id=administration.public_id,
        changes={"format": "fhir-r4b"},
    )
    return fhir.questionnaire_response(administration)


def own_school(user: object) -> Organisation | None:
    """The school a school psychologist records pupils and classes in (the first, for one
    who works at several); None for anyone else."""
    return access.acting_organisation_on(user, "screen_pupils")


def recent_results(user: object) -> QuerySet[Administration]:
    """Completed screenings the user may see, newest first (the overview page's list)."""
    return (
        Administration.objects.restrict(user, "view")
        .completed()
        .select_related("instrument", "child")
        .order_by("-submitted_at", "-pk")
    )


def history(user: object, child: Child) -> QuerySet[Administration]:
    """The child's completed screenings the user may see, newest first."""
    return (
        Administration.objects.restrict(user, "view")
        .completed()
        .filter(child=child)
        .select_related("instrument", "child")
        .order_by("-submitted_at", "-pk")
    )


@dataclass(frozen=True)
class ChildScreenings:
    """A child's screenings as the user may see them: completed (newest first) and those
    still waiting for answers."""

    child: Child
    history: list[Administration]
    pending: QuerySet[Administration]


def read_child_screenings(user: Any, code: str) -> ChildScreenings:
    """The child's screenings (audited: ``screening.list`` of the child); 404 for a child
    the user may not screen."""
    child = child_for_screening(user, code)
    audit.record(actor=user, action="screening.list", object_type="child", object_id=child.code)
    return ChildScreenings(
        child=child,
        history=list(history(user, child)),
        pending=Administration.objects.restrict(user, "view")
        .filter(
            child=child,
            status__in=[Administration.Status.INVITED, Administration.Status.IN_PROGRESS],
        )
        .select_related("instrument")
        .order_by("-created_at"),
    )


def open_alerts(user: object) -> QuerySet[Alert]:
    """Alerts not yet acknowledged on administrations the user may see."""
    return (
        Alert.objects.filter(
            acknowledged_at__isnull=True,
            administration__in=Administration.objects.restrict(user, "view").values("pk"),
        )
        .select_related("administration__instrument", "child", "escalated_to")
        .order_by("created_at", "pk")
    )


def read_open_alerts(user: Any, *, limit: int) -> list[Alert]:
    """The first ``limit`` open alerts the user may see (audited: one ``alert.list`` event
    naming each)."""
    alerts = list(open_alerts(user).select_related("case")[:limit])
    audit.record_list(actor=user, object_type="alert", object_ids=[a.pk for a in alerts])
    return alerts


def alert_for_user(user: object, pk: int) -> Alert:
    alert = (
        Alert.objects.filter(
            pk=pk, administration__in=Administration.objects.restrict(user, "view").values("pk")
        )
        .select_related("administration__instrument", "administration__child")
        .first()
    )
    if alert is None:
        raise Http404("alert")
    return alert


# --- campaigns ----------------------------------------------------------------------------


def campaigns(user: object) -> QuerySet[Campaign]:
    return (
        Campaign.objects.restrict(user, "view")
        .select_related("instrument", "region", "district", "school")
        .order_by("-created_at", "-pk")
    )


def campaign_for_user(user: object, public_id: uuid.UUID | str) -> Campaign:
    campaign = campaigns(user).select_related("organisation").filter(public_id=public_id).first()
    if campaign is None:
        raise Http404("campaign")
    return campaign


def read_campaign(user: Any, public_id: uuid.UUID | str) -> Campaign:
    """A campaign as its page shows it, the class lists of the user's schools included
    (audited: ``campaign.read``). The API's campaign carries counts only and is not a read
    of personal data."""
    campaign = campaign_for_user(user, public_id)
    audit.record(
        actor=user, action="campaign.read", object_type="campaign", object_id=campaign.public_id
    )
    return campaign


@dataclass(frozen=True)
class Slip:
    """One pupil's printed slip: the class list row and the code that opens the screening."""

    pupil: CampaignPupil
    code: str


def read_slips(user: Any, public_id: uuid.UUID | str) -> tuple[Campaign, list[Slip]]:
    """The slips of the user's schools: one per pupil whose code works now (invited, consent
    recorded where the campaign needs it); school psychologists only, 404 for anyone else
    (audited: ``campaign.codes`` with how many were printed)."""
    campaign = campaign_for_user(user, public_id)
    if not policy.screening_scope_for(user).school_ids:
        raise Http404("slips")
    slips = [
        Slip(pupil=pupil, code=access_code_for(pupil.administration))
        for pupil in roster(user, campaign)
        if pupil.administration is not None
        and pupil.administration.status == Administration.Status.INVITED
        and pupil.may_answer(campaign.consent_required)
    ]
    audit.record(
        actor=user,
        action="campaign.codes",
        object_type="campaign",
        object_id=campaign.public_id,
        changes={"slips": len(slips)},
    )
    return campaign, slips


@dataclass(frozen=True)
class Progress:
    """How far a campaign (or one school's part of it) has got: counts only."""

    enrolled: int = 0
    consent_given: int = 0
    consent_refused: int = 0
    consent_unknown: int = 0
    codes: int = 0
    completed: int = 0
    follow_up: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.codes) if self.codes else 0


def campaign_progress(campaign: Campaign, *, school_ids: Sequence[int] | None = None) -> Progress:
    """Progress in two queries, whatever the size of the campaign (indexes on campaign)."""
    pupils = CampaignPupil.objects.filter(campaign=campaign)
    administrations = Administration.objects.filter(campaign=campaign)
    if school_ids is not None:
        pupils = pupils.filter(school_id__in=school_ids)
        administrations = administrations.filter(organisation_id__in=school_ids)
    consent = pupils.aggregate(
        enrolled=Count("pk"),
        given=Count("pk", filter=Q(consent=CampaignPupil.Consent.GIVEN)),
        refused=Count("pk", filter=Q(consent=CampaignPupil.Consent.REFUSED)),
    )
    answers = administrations.aggregate(
        codes=Count("pk"),
        completed=Count("pk", filter=Q(status=Administration.Status.COMPLETED)),
        follow_up=Count("pk", filter=Q(needs_follow_up=True)),
    )
    return Progress(
        enrolled=consent["enrolled"],
        consent_given=consent["given"],
        consent_refused=consent["refused"],
        consent_unknown=consent["enrolled"] - consent["given"] - consent["refused"],
        codes=answers["codes"],
        completed=answers["completed"],
        follow_up=answers["follow_up"],
    )


def progress_for_user(user: Any, campaign: Campaign) -> Progress:
    """The campaign's progress as the user sees it: a school psychologist the own schools'
    part, a coordinator (or a national role) the whole campaign."""
    screening = policy.screening_scope_for(user)
    own = sorted(screening.school_ids)
    return campaign_progress(campaign, school_ids=own if own and not screening.national else None)


def roster(user: object, campaign: Campaign) -> QuerySet[CampaignPupil]:
    """The class lists of the user's own schools in the campaign (psychologists only)."""
    schools = policy.screening_scope_for(user).school_ids
    return (
        CampaignPupil.objects.filter(campaign=campaign, school_id__in=schools)
        .select_related("child", "administration")
        .order_by("class_label", "child__code")
    )


def follow_up_list(user: object, campaign: Campaign) -> QuerySet[Administration]:
    """Pupils above the threshold or with an alert, most urgent first; psychologists only."""
    return (
        Administration.objects.restrict(user, "view")
        .filter(campaign=campaign, needs_follow_up=True, status=Administration.Status.COMPLETED)
        .select_related("child", "instrument", "pupil")
        .order_by("-critical", "-submitted_at", "-pk")
    )


def read_follow_up(
    user: Any, public_id: uuid.UUID | str, *, limit: int
) -> tuple[Campaign, list[Administration]]:
    """The campaign's first ``limit`` pupils for follow-up; psychologists only, 404 for
    anyone else. Audited twice: ``campaign.follow_up`` with how many are
    listed, and one ``administration.list`` naming each."""
    campaign = access.get_or_404(
        Campaign.objects.select_related("organisation"), user, "follow_up", public_id=public_id
    )
    listed = list(follow_up_list(user, campaign)[:limit])
    audit.record(
        actor=user,
        action="campaign.follow_up",
        object_type="campaign",
        object_id=campaign.public_id,
        changes={"listed": len(listed)},
    )
    audit.record_list(
        actor=user, object_type="administration", object_ids=[a.public_id for a in listed]
    )
    return campaign, listed


# --- the library --------------------------------------------------------------------------


def instrument_spec(code: str) -> definitions.InstrumentSpec:
    """The newest definition of an instrument in the library; 404 for an unknown code."""
    try:
        return definitions.latest(code).spec
    except KeyError:
        raise Http404("instrument") from None


# --- aggregates with small-cell suppression -----------------------------------------------


GROUPINGS = ("region", "district", "age", "sex")


@dataclass
class AggregateRow:
    key: Any
    label: str
    counts: list[int | None]  # per band, then the total; None = suppressed

    @property
    def total(self) -> int | None:
        return self.counts[-1]

    @property
    def shares(self) -> list[int | None]:
        """Percent of the row per band, where both numbers are shown."""
        total = self.total
        return [
            round(100 * n / total) if n is not None and total else None for n in self.counts[:-1]
        ]


@dataclass
class Aggregates:
    instrument: InstrumentVersion
    group_by: str
    national: bool
    bands: list[tuple[str, str]]
    rows: list[AggregateRow] = field(default_factory=list)
    totals: AggregateRow | None = None
    distribution: list[tuple[int, int | None]] = field(default_factory=list)
    minimum: int = 10


def _labels(group_by: str, keys: list[Any]) -> dict[Any, str]:
    if group_by == "region":
        return {r.pk: r.name for r in Region.objects.filter(pk__in=keys)}
    if group_by == "district":
        return {d.pk: d.name for d in District.objects.filter(pk__in=keys)}
    if group_by == "sex":
        return {code: str(label) for code, label in ChildSex.choices}
    return {key: str(key) for key in keys if key is not None}


def aggregates(
    user: object,
    *,
    instrument: InstrumentVersion,
    group_by: str = "region",
    region_id: int | None = None,
    district_id: int | None = None,
    sex: str | None = None,
    age: int | None = None,
) -> Aggregates:
    """Band counts and the score distribution of one instrument version, for the user's
    statistics scope, grouped by region, district, age or sex, small cells suppressed."""
    scope = policy.scope_for(user)
    if not scope.sees_statistics:
        raise Http404("statistics")
    region_ids = policy.statistics_region_ids(user)
    rows = Administration.objects.filter(
        instrument=instrument, status=Administration.Status.COMPLETED
    )
    if region_ids is not None:
        rows = rows.filter(region_id__in=region_ids)
    if region_id is not None:
        rows = rows.filter(region_id=region_id)
    if district_id is not None:
        rows = rows.filter(district_id=district_id)
    if sex:
        rows = rows.filter(sex=sex)
    if age is not None:
        rows = rows.filter(age_years=age)
    column = {"region": "region_id", "district": "district_id", "age": "age_years", "sex": "sex"}[
        group_by
    ]
    spec = instrument.spec
    bands = [(band.code, pick(band.label.as_dict())) for band in spec.bands]
    index = {code: i for i, (code, _label) in enumerate(bands)}
    counts: dict[Any, list[int]] = {}
    for key, band, n in rows.values_list(column, "band").annotate(n=Count("pk")).order_by():
        if band in index:
            counts.setdefault(key, [0] * len(bands))[index[band]] += n
    minimum = settings.SCREENING_SMALL_CELL_MIN
    keys = sorted(counts, key=lambda k: (k is None, str(k) if group_by != "age" else k or 0))
    labels = _labels(group_by, [k for k in keys if k is not None])
    table = suppress([counts[key] for key in keys], minimum)
    result = Aggregates(
        instrument=instrument,
        group_by=group_by,
        national=region_ids is None,
        bands=bands,
        minimum=minimum,
    )
    for key, cells in zip(keys, table, strict=False):
        label = labels.get(key) or "—"
        result.rows.append(AggregateRow(key=key, label=label, counts=cells))
    if table:
        result.totals = AggregateRow(key="total", label="", counts=table[-1])
        result.rows.sort(key=lambda row: row.label if group_by in ("region", "district") else "")
    if spec.score_range is not None:
        histogram = dict(rows.values_list("score").annotate(n=Count("pk")).order_by())
        low, high = spec.score_range
        scores = [s for s in range(low, high + 1) if s in histogram]
        if scores:
            hidden = suppress([[histogram[s] for s in scores]], minimum)[0]
            result.distribution = list(zip(scores, hidden[:-1], strict=True))
    return result


@overload
def read_aggregates(
    user: Any,
    *,
    instrument: InstrumentVersion,
    group_by: str = ...,
    region: Region | None = ...,
    sex: str | None = ...,
    age: int | None = ...,
) -> Aggregates: ...


@overload
def read_aggregates(
    user: Any,
    *,
    instrument: InstrumentVersion | None,
    group_by: str = ...,
    region: Region | None = ...,
    sex: str | None = ...,
    age: int | None = ...,
) -> Aggregates | None: ...


def read_aggregates(
    user: Any,
    *,
    instrument: InstrumentVersion | None,
    group_by: str = "region",
    region: Region | None = None,
    sex: str | None = None,
    age: int | None = None,
) -> Aggregates | None:
    """``aggregates`` for the user's statistics scope, audited (``screening.aggregates`` of
    the instrument version, with the breakdown and filters). Without an instrument version
    (nothing administered yet) there is nothing to count, and the look is still recorded.
    404 for a user who sees no statistics."""
    if not policy.scope_for(user).sees_statistics:
        raise Http404("statistics")
    data = (
        aggregates(
            user,
            instrument=instrument,
            group_by=group_by,
            region_id=region.pk if region else None,
            sex=sex,
            age=age,
        )
        if instrument is not None
        else None
    )
    filters = {"group_by": group_by, "region": region.code if region else None, "sex": sex}
    filters["age"] = str(age) if age is not None else None
    audit.record(
        actor=user,
        action="screening.aggregates",
        object_type="instrument",
        object_id=str(instrument) if instrument else "-",
        changes={key: value for key, value in filters.items() if value},
    )
    return data
