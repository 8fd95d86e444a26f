"""State changes of screenings: administrations, scoring at submission, alerts and their
escalation, campaigns with class lists, consent and one-time codes.

Every change runs in one transaction that writes its audit row and its notifications
(DESIGN §2). The child's one-time code is never stored: it is an HMAC of the
administration's id, recomputed to print it and hashed to find it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import policy
from qamqor.accounts.models import Membership, Role, User
from qamqor.audit import services as audit
from qamqor.cases import services as case_services
from qamqor.cases.models import Case, Child
from qamqor.directory.models import District, Organisation, OrganisationKind, Region
from qamqor.errors import Conflict, DomainError, FieldProblem, InvalidInput, NotAllowed
from qamqor.instruments import definitions, fhir, scoring
from qamqor.instruments.models import (
    Administration,
    Alert,
    Campaign,
    CampaignPupil,
    InstrumentVersion,
)
from qamqor.notify import services as notify

logger = logging.getLogger(__name__)

ALMATY_TZ = "Asia/Almaty"
CODE_ALPHABET = case_services.CHILD_CODE_ALPHABET  # no 0/O, 1/I: read aloud safely
CODE_LENGTH = 10  # 32^10 = 2^50 codes
INVITATION_DAYS = 7
ENROL_BATCH = 2000
PSYCHOLOGIST_ROLES = [Role.SCHOOL_PSYCHOLOGIST, Role.PSC_PSYCHOLOGIST, Role.PSC_HEAD]


# --- one-time codes -----------------------------------------------------------------------


def access_code_for(administration: Administration) -> str:
    """The child's one-time code, such as ``K7Q2M-9XDPA``: an HMAC of the administration's
    id, so it can be printed again without being stored."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        b"qamqor-screening-code:" + administration.public_id.bytes,
        hashlib.sha256,
    ).digest()
    raw = "".join(CODE_ALPHABET[byte % len(CODE_ALPHABET)] for byte in digest[:CODE_LENGTH])
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(typed: str) -> str:
    """What the child typed, as a code: case, spaces and dashes do not matter."""
    raw = re.sub(r"[^A-Za-z0-9]", "", typed or "").upper()
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == CODE_LENGTH else raw


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


# --- instrument versions ------------------------------------------------------------------


def published_version(code: str) -> InstrumentVersion:
    """The newest definition of ``code``, stored so administrations keep exactly this text."""
    try:
        loaded = definitions.latest(code)
    except KeyError:
        raise InvalidInput.on("instrument", _("There is no instrument with this code.")) from None
    version, _created = InstrumentVersion.objects.get_or_create(
        code=code,
        version=loaded.spec.version,
        defaults={"definition": loaded.raw, "checksum": loaded.checksum},
    )
    return version


def today() -> date:
    return timezone.localtime().date()


def _check_eligible(spec: definitions.InstrumentSpec, child: Child, mode: str) -> None:
    if not spec.allows(mode):
        raise InvalidInput.on(
            "mode",
            _("%(instrument)s is asked by a psychologist in an interview only.")
            % {"instrument": spec.short_name},
        )
    check_age(spec, child, on=today(), field="instrument")


def check_age(spec: definitions.InstrumentSpec, child: Child, *, on: date, field: str) -> None:
    """Refuse an instrument outside its age range for the child's age on the day it is
    (or was) answered; a child without a birth date is not refused (brief 1.2.7)."""
    age = child.age_on(on)
    if age is not None and not spec.age_range.contains(age):
        raise InvalidInput.on(
            field,
            _("%(instrument)s is for ages %(range)s; this child is %(age)s.")
            % {"instrument": spec.short_name, "range": str(spec.age_range), "age": age},
        )


def _acting_organisation(actor: User, child: Child) -> Organisation:
    """The school or PSC the psychologist screens this child for."""
    screening = policy.screening_scope_for(actor)
    if child.school_id and child.school_id in screening.school_ids:
        return child.school  # type: ignore[return-value]
    if screening.psc_ids:
        return Organisation.objects.filter(pk__in=screening.psc_ids).order_by("pk").first()  # type: ignore[return-value]
    raise NotAllowed(_("Only a psychologist of the child's school or of a PSC can screen a child."))


def _may_screen(actor: User, child: Child) -> bool:
    return Child.objects.filter(policy.screening_child_filter(actor), pk=child.pk).exists()


def _new_administration(
    *,
    instrument: InstrumentVersion,
    child: Child,
    organisation: Organisation,
    mode: str,
    status: str,
    language: str,
    actor: User | None,
    campaign: Campaign | None = None,
    expires_at: datetime | None = None,
) -> Administration:
    """An unsaved administration with the child's region, district, school and sex copied."""
    administration = Administration(
        instrument=instrument,
        child=child,
        campaign=campaign,
        organisation=organisation,
        mode=mode,
        status=status,
        language=language if language in ("kk", "ru", "en") else "ru",
        created_by=actor,
        expires_at=expires_at,
        region_id=child.region_id,
        district_id=child.school.district_id if child.school else None,
        school_id=child.school_id,
        sex=child.sex,
    )
    if mode == Administration.Mode.SELF:
        administration.access_code_hash = code_hash(access_code_for(administration))
    return administration


@transaction.atomic
def start_interview(
    *,
    actor: User,
    child: Child,
    instrument_code: str,
    language: str,
    answers: Mapping[str, object] | None = None,
) -> Administration:
    """A psychologist starts asking an instrument in an interview; with ``answers`` the
    interview is recorded and scored at once, in the same transaction, so answers that
    are refused leave no interview behind."""
    if not _may_screen(actor, child):
        raise NotAllowed(_("You cannot screen this child."))
    instrument = published_version(instrument_code)
    _check_eligible(instrument.spec, child, Administration.Mode.INTERVIEW)
    administration = _new_administration(
        instrument=instrument,
        child=child,
        organisation=_acting_organisation(actor, child),
        mode=Administration.Mode.INTERVIEW,
        status=Administration.Status.IN_PROGRESS,
        language=language,
        actor=actor,
    )
    administration.save()
    audit.record(
        actor=actor,
        action="screening.start",
        object_type="administration",
        object_id=administration.public_id,
        changes={"child": child.code, "instrument": str(instrument), "mode": "interview"},
    )
    if answers is not None:
        return submit_interview(administration=administration, actor=actor, answers=answers)
    return administration


@transaction.atomic
def invite(
    *, actor: User, child: Child, instrument_code: str, language: str
) -> tuple[Administration, str]:
    """A one-time code for the child to answer alone (on a phone or a shared tablet)."""
    if not _may_screen(actor, child):
        raise NotAllowed(_("You cannot screen this child."))
    instrument = published_version(instrument_code)
    _check_eligible(instrument.spec, child, Administration.Mode.SELF)
    administration = _new_administration(
        instrument=instrument,
        child=child,
        organisation=_acting_organisation(actor, child),
        mode=Administration.Mode.SELF,
        status=Administration.Status.INVITED,
        language=language,
        actor=actor,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    administration.save()
    audit.record(
        actor=actor,
        action="screening.invite",
        object_type="administration",
        object_id=administration.public_id,
        changes={"child": child.code, "instrument": str(instrument), "mode": "self"},
    )
    return administration, access_code_for(administration)


# --- submission and scoring -------------------------------------------------------------


def _threshold(administration: Administration) -> int | None:
    campaign = administration.campaign if administration.campaign_id else None
    return campaign.follow_up_threshold if campaign else None


def _complete(
    administration: Administration,
    scored: scoring.Scored,
    *,
    actor: User | None,
    now: datetime,
    expected_status: str,
    stated: fhir.StatedTotal | None = None,
    submitted_at: datetime | None = None,
) -> Administration:
    """Store the score and raise the alerts; refuses an administration already completed.

    The status change is a conditional UPDATE, so two submissions of one code (a double
    tap, two tablets) cannot both be scored.
    """
    spec = administration.spec
    age = administration.child.age_on(timezone.localtime(submitted_at or now).date())
    follow_up = scoring.needs_follow_up(spec, scored, _threshold(administration))
    fields: dict[str, Any] = {
        "status": Administration.Status.COMPLETED,
        "submitted_at": submitted_at or now,
        "answers": scored.answers,
        "raw_total": scored.raw_total,
        "score": scored.score,
        "subscales": scored.subscales,
        "band": scored.band,
        "needs_follow_up": follow_up,
        "critical": bool(scored.alerts),
        "age_years": age,
        "stated_total": stated.value if stated else None,
        "stated_total_scale": stated.scale if stated else "",
    }
    updated = Administration.objects.filter(pk=administration.pk, status=expected_status).update(
        **fields
    )
    if not updated:
        raise Conflict(_("These answers were already sent."))
    for name, value in fields.items():
        setattr(administration, name, value)
    audit.record(
        actor=actor,
        action="screening.submit",
        object_type="administration",
        object_id=administration.public_id,
        changes={
            "instrument": str(administration.instrument),
            "mode": administration.mode,
            "band": scored.band,
            "alerts": scored.alerts,
        },
    )
    if scored.alerts:
        raise_alerts(administration, scored.alerts, actor=actor, now=now)
    return administration


@transaction.atomic
def submit_interview(
    *, administration: Administration, actor: User, answers: Mapping[str, object]
) -> Administration:
    """The psychologist records the interview's answers; scored at once."""
    if administration.status != Administration.Status.IN_PROGRESS:
        raise Conflict(_("This screening is not waiting for answers."))
    scored = scoring.score_answers(administration.spec, answers)
    return _complete(
        administration,
        scored,
        actor=actor,
        now=timezone.now(),
        expected_status=Administration.Status.IN_PROGRESS,
    )


class CodeNotValid(DomainError):
    """A one-time code that does not exist, has expired or whose consent is missing."""

    status_code = 404


def find_by_code(code: str, *, now: datetime | None = None) -> Administration:
    """The administration a child's code opens, if it may be answered now."""
    try:
        administration: Administration | None = (
            Administration.objects.select_related("instrument", "child", "campaign", "pupil")
            .defer("instrument__definition")
            .get(access_code_hash=code_hash(code), mode=Administration.Mode.SELF)
        )
    except Administration.DoesNotExist:
        administration = None
    not_valid = _("This code is not valid. Check it with your psychologist.")
    if administration is None or administration.status == Administration.Status.CANCELLED:
        raise CodeNotValid(not_valid, [])
    if administration.status == Administration.Status.COMPLETED:
        raise Conflict(_("These answers were already sent."))
    if administration.is_expired(now):
        raise CodeNotValid(_("This code has expired. Ask your psychologist for a new one."), [])
    campaign = administration.campaign
    if campaign is not None:
        pupil = getattr(administration, "pupil", None)
        if (
            campaign.status != Campaign.Status.OPEN
            or campaign.opens_on > timezone.localtime(now).date()
            or (pupil is not None and not pupil.may_answer(campaign.consent_required))
        ):
            raise CodeNotValid(_("This code cannot be used yet. Ask your psychologist."), [])
    return administration


@transaction.atomic
def submit_by_code(*, code: str, answers: Mapping[str, object]) -> Administration:
    """The child's own submission through a one-time code (no login).

    The hot path of a national campaign: one read, one conditional update, the audit row,
    and alerts only when an answer is critical.
    """
    now = timezone.now()
    administration = find_by_code(code, now=now)
    scored = scoring.score_answers(administration.spec, answers)
    return _complete(
        administration,
        scored,
        actor=None,
        now=now,
        expected_status=Administration.Status.INVITED,
    )


@dataclass(frozen=True)
class Imported:
    """The administration an import stored, or the one an earlier import of the same
    response stored (``created`` false)."""

    administration: Administration
    created: bool


def _resolve_stated(
    stated: list[fhir.StatedTotal], scored: scoring.Scored
) -> fhir.StatedTotal | None:
    """The stated total to keep, each on the scale it was stated in: one that disagrees
    with the answers if any does (so a disagreement is never hidden), else the first. A
    WHO-5 total that could be either scale (0 to 25 and a multiple of 4) is read on the scale
    it agrees with, else as the raw total."""
    resolved = []
    for total in stated:
        scale = total.scale
        if not scale:
            scale = (
                Administration.StatedScale.SCORE
                if total.value == scored.score and total.value != scored.raw_total
                else Administration.StatedScale.RAW
            )
        resolved.append(fhir.StatedTotal(total.value, scale))

    def agrees(total: fhir.StatedTotal) -> bool:
        recomputed = (
            scored.raw_total if total.scale == Administration.StatedScale.RAW else scored.score
        )
        return total.value == recomputed

    return next((t for t in resolved if not agrees(t)), resolved[0] if resolved else None)


def _already_imported(
    *, actor: User, child: Child, source_system: str, source_id: str
) -> Administration | None:
    existing = (
        Administration.objects.filter(source_system=source_system, source_id=source_id)
        .select_related("child")
        .first()
    )
    if existing is None:
        return None
    visible = Administration.objects.visible_to(actor).filter(pk=existing.pk).exists()
    if existing.child_id != child.pk or not visible:
        raise Conflict(
            _("This response was already imported for another child or organisation."),
            [
                FieldProblem(
                    "identifier",
                    _("This response was already imported for another child or organisation."),
                )
            ],
        )
    return existing


@transaction.atomic
def import_response(*, actor: User, child: Child, parsed: fhir.ParsedResponse) -> Imported:
    """Store a FHIR QuestionnaireResponse for a shipped instrument (brief 1.2.7).

    The answers are scored here; a total the sender stated is kept only to be compared,
    on the scale it was stated in. The instrument's age range is checked for the child's
    age on the day the response was authored, as for an interview. The same response
    (its ``identifier``, or its ``id`` from the same source) is stored once: a second
    import, even a concurrent one (a unique constraint decides), answers with the first.
    """
    if not _may_screen(actor, child):
        raise NotAllowed(_("You cannot screen this child."))
    organisation = _acting_organisation(actor, child)
    source_system = parsed.source_system or f"urn:qamqor:organisation:{organisation.code}"
    source = {"source_system": source_system, "source_id": parsed.source_id}
    if parsed.source_id:
        existing = _already_imported(actor=actor, child=child, **source)
        if existing is not None:
            return Imported(existing, created=False)
    loaded = definitions.load_all()[(parsed.code, parsed.version)]
    now = timezone.now()
    authored = parsed.authored if parsed.authored and parsed.authored <= now else None
    check_age(
        loaded.spec, child, on=timezone.localtime(authored or now).date(), field="questionnaire"
    )
    scored = scoring.score_answers(loaded.spec, parsed.answers)
    instrument, _created = InstrumentVersion.objects.get_or_create(
        code=parsed.code,
        version=parsed.version,
        defaults={"definition": loaded.raw, "checksum": loaded.checksum},
    )
    administration = _new_administration(
        instrument=instrument,
        child=child,
        organisation=organisation,
        mode=Administration.Mode.IMPORTED,
        status=Administration.Status.IN_PROGRESS,
        language="en",
        actor=actor,
    )
    if parsed.source_id:
        administration.source_system = source_system
        administration.source_id = parsed.source_id
    try:
        with transaction.atomic():
            administration.save()
    except IntegrityError:
        # The same response imported at the same moment: the other import stored it.
        existing = _already_imported(actor=actor, child=child, **source)
        if existing is None or not parsed.source_id:
            raise
        return Imported(existing, created=False)
    stated = _resolve_stated(parsed.stated_totals, scored)
    audit.record(
        actor=actor,
        action="screening.import",
        object_type="administration",
        object_id=administration.public_id,
        changes={
            "child": child.code,
            "instrument": str(instrument),
            "stated_total": stated.value if stated else None,
            "stated_scale": stated.scale if stated else "",
            "recomputed_total": scored.score,
            "source": f"{source_system} {parsed.source_id}" if parsed.source_id else "",
        },
    )
    completed = _complete(
        administration,
        scored,
        actor=actor,
        now=now,
        expected_status=Administration.Status.IN_PROGRESS,
        stated=stated,
        submitted_at=authored,
    )
    return Imported(completed, created=True)


# --- alerts -------------------------------------------------------------------------------


def _psychologists_for(administration: Administration) -> list[User]:
    """Who is told at once: the school's psychologists (only they: whoever created a
    region campaign is a coordinator and must not learn a pupil's answers), or, at a PSC,
    the psychologist who ran it (else the PSC's psychologists)."""
    users = User.objects.filter(is_active=True)
    if administration.organisation.kind != OrganisationKind.SCHOOL and administration.created_by_id:
        psc_staff = Membership.objects.filter(
            organisation_id=administration.organisation_id, active=True, role__in=PSYCHOLOGIST_ROLES
        ).values("user_id")
        chosen = users.filter(pk=administration.created_by_id, pk__in=psc_staff)
    else:
        members = Membership.objects.filter(
            organisation_id=administration.organisation_id,
            active=True,
            role__in=PSYCHOLOGIST_ROLES,
        ).values("user_id")
        chosen = users.filter(pk__in=members)
    return list(chosen.order_by("pk"))


def duty_psc(child: Child) -> Organisation | None:
    """The PSC on duty for a child: the region's PSC, preferring the school's district."""
    candidates = Organisation.objects.filter(
        region_id=child.region_id, kind=OrganisationKind.PSC
    ).order_by("pk")
    district_id = child.school.district_id if child.school_id and child.school else None
    if district_id:
        in_district = candidates.filter(district_id=district_id).first()
        if in_district is not None:
            return in_district
    return candidates.first()


def _alert_context(administration: Administration, alert: Alert) -> dict[str, Any]:
    rule = administration.spec.alert_rule(alert.rule)
    return {
        "child_code": administration.child.code,
        "instrument": administration.instrument.short_name,
        "alert_label": rule.label.as_dict() if rule else alert.rule,
        "minutes": settings.ALERT_ESCALATION_MINUTES,
    }


def raise_alerts(
    administration: Administration, rules: Iterable[str], *, actor: User | None, now: datetime
) -> list[Alert]:
    """Record one alert per critical rule and tell the psychologists at once (in-app and
    email, through the outbox); a rule that opens a protocol opens it now."""
    spec = administration.spec
    alerts = []
    for code in rules:
        rule = spec.alert_rule(code)
        if rule is None:
            continue
        alerts.append(
            Alert(
                administration=administration,
                child=administration.child,
                rule=code,
                severity=rule.severity,
                organisation=administration.organisation,
                created_at=now,
                opens_protocol=rule.opens_protocol or "",
            )
        )
    Alert.objects.bulk_create(alerts)
    saved = list(Alert.objects.filter(administration=administration).order_by("pk"))
    link = reverse("screening-result", args=[administration.public_id])
    recipients = _psychologists_for(administration)
    for alert in saved:
        if not recipients:  # no psychologist at the school: the PSC is told at once
            transaction.on_commit(partial(_escalate_now, alert.pk))
        notify.notify_users(
            recipients,
            "screening_alert",
            _alert_context(administration, alert),
            key=f"screening-alert:{alert.pk}",
            link=link,
        )
        audit.record(
            actor=actor,
            action="screening.alert",
            object_type="administration",
            object_id=administration.public_id,
            changes={"rule": alert.rule, "severity": alert.severity},
        )
        if alert.opens_protocol:
            opener = actor or administration.created_by
            if opener is not None:
                case = open_protocol_for_alert(alert, actor=opener)
                if case is not None:
                    Alert.objects.filter(pk=alert.pk).update(case=case)
                    alert.case = case
    return saved


def open_protocol_for_alert(alert: Alert, *, actor: User) -> Case | None:
    """Open a case on the alert's protocol (an ASQ acute positive: the suicide-risk
    protocol, issue 3's ``cases.services.open_alert_case``).

    Runs in a savepoint: if no case can be opened (no PSC in the region, …) the child's
    answers and the alert are still saved, and the psychologists are told why.
    """
    administration = alert.administration
    summary = gettext(
        "Screening %(instrument)s of child %(child)s: %(band)s. Opened from the alert."
    ) % {
        "instrument": str(administration.instrument),
        "child": administration.child.code,
        "band": administration.band_label(),
    }
    open_alert_case = getattr(case_services, "open_alert_case", None)
    if open_alert_case is None:  # the cases app predates issue 3: the alert still escalates
        logger.error("alert %s: cases.services.open_alert_case is not available", alert.pk)
        return None
    try:
        with transaction.atomic():
            case: Case = open_alert_case(
                child=administration.child,
                actor=actor,
                summary=summary,
                protocol_code=alert.opens_protocol,
                source="screening",
            )
            return case
    except DomainError as error:
        logger.warning("alert %s: could not open protocol: %s", alert.pk, error.detail)
        audit.record(
            actor=actor,
            action="screening.protocol_failed",
            object_type="administration",
            object_id=administration.public_id,
            changes={"protocol": alert.opens_protocol, "reason": str(error.detail)},
        )
        return None


@transaction.atomic
def acknowledge_alert(*, alert: Alert, actor: User) -> Alert:
    """A psychologist takes the alert in hand; it will not be escalated after this."""
    updated = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=actor
    )
    if not updated:
        raise Conflict(_("This alert is already acknowledged."))
    alert.refresh_from_db()
    audit.record(
        actor=actor,
        action="screening.alert_acknowledge",
        object_type="administration",
        object_id=alert.administration.public_id,
        changes={"rule": alert.rule},
    )
    return alert


def escalate_unacknowledged_alerts(now: datetime | None = None, limit: int = 500) -> int:
    """Send every alert nobody acknowledged within QAMQOR_ALERT_ESCALATION_MINUTES to the
    PSC on duty. Each alert is claimed by a conditional UPDATE, so concurrent workers
    escalate it once."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.ALERT_ESCALATION_MINUTES)
    due = list(
        Alert.objects.filter(
            acknowledged_at__isnull=True, escalated_at__isnull=True, created_at__lte=cutoff
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(_escalate(pk, now) for pk in due)


def _escalate_now(pk: int) -> None:
    _escalate(pk, timezone.now())


def _escalate(pk: int, now: datetime) -> bool:
    """Escalate one alert to the PSC on duty, unless someone acknowledged or escalated it."""
    with transaction.atomic():
        alert = Alert.objects.select_related(
            "administration__instrument", "administration__child__school", "child"
        ).get(pk=pk)
        psc = duty_psc(alert.child)
        claimed = Alert.objects.filter(
            pk=pk, acknowledged_at__isnull=True, escalated_at__isnull=True
        ).update(escalated_at=now, escalated_to=psc)
        if not claimed:
            return False
        administration = alert.administration
        audit.record(
            actor=None,
            action="screening.alert_escalate",
            object_type="administration",
            object_id=administration.public_id,
            changes={"rule": alert.rule, "to": psc.code if psc else None},
        )
        if psc is None:
            logger.error("alert %s: no PSC in region %s to escalate to", pk, alert.child.region_id)
            return True
        notify.notify_organisation(
            psc,
            "screening_alert_escalated",
            _alert_context(administration, alert),
            key=f"screening-alert-escalated:{pk}",
            link=reverse("screening-result", args=[administration.public_id]),
            roles=[Role.PSC_PSYCHOLOGIST, Role.PSC_HEAD],
        )
    return True


# --- campaigns ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignArea:
    level: str
    region: Region
    district: District | None = None
    school: Organisation | None = None


def _coordinating_organisation(actor: User, region: Region) -> Organisation:
    """The education department (or the coordinating body) a coordinator runs it from."""
    membership = (
        Membership.objects.filter(user=actor, active=True)
        .filter(
            Q(role=Role.REGIONAL_COORDINATOR, organisation__region=region)
            | Q(role=Role.NATIONAL_COORDINATOR)
        )
        .select_related("organisation")
        .order_by("role", "pk")  # national_coordinator sorts before regional_coordinator
        .first()
    )
    if membership is None:
        raise NotAllowed(_("Only the region's coordinator can run this campaign."))
    return membership.organisation


def _end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@transaction.atomic
def create_campaign(
    *,
    actor: User,
    title: str,
    instrument_code: str,
    area: CampaignArea,
    opens_on: date,
    closes_on: date,
    language: str = "ru",
    consent_required: bool = True,
    follow_up_threshold: int | None = None,
    class_labels: Iterable[str] = (),
) -> Campaign:
    """Start a campaign. A school's psychologist then adds class lists; a district or
    region campaign enrols the area's pupils in the background."""
    school = area.school
    if not policy.can_run_campaign(
        actor, level=area.level, region_id=area.region.pk, school_id=school.pk if school else None
    ):
        raise NotAllowed(
            _(
                "A school campaign is run by the school's psychologist; a district or region "
                "campaign by the region's coordinator."
            )
        )
    if area.level == Campaign.Level.DISTRICT and (
        area.district is None or area.district.region_id != area.region.pk
    ):
        raise InvalidInput.on("district", _("Choose a district of the region."))
    if closes_on < opens_on:
        raise InvalidInput.on("closes_on", _("The campaign cannot close before it opens."))
    if closes_on < today():
        raise InvalidInput.on("closes_on", _("This date has passed."))
    instrument = published_version(instrument_code)
    spec = instrument.spec
    if not spec.allows(Administration.Mode.SELF):
        raise InvalidInput.on(
            "instrument",
            _("%(instrument)s is asked in an interview only; a campaign uses one-time codes.")
            % {"instrument": spec.short_name},
        )
    if follow_up_threshold is not None and spec.score_range is not None:
        low, high = spec.score_range
        if not low <= follow_up_threshold <= high:
            raise InvalidInput.on(
                "follow_up_threshold",
                _("Enter a score between %(low)s and %(high)s.") % {"low": low, "high": high},
            )
    organisation = school if school is not None else _coordinating_organisation(actor, area.region)
    campaign = Campaign.objects.create(
        title=title.strip(),
        instrument=instrument,
        level=area.level,
        region=area.region,
        district=area.district if area.level == Campaign.Level.DISTRICT else None,
        school=school if area.level == Campaign.Level.SCHOOL else None,
        class_labels=sorted({label.strip() for label in class_labels if label.strip()}),
        consent_required=consent_required,
        follow_up_threshold=follow_up_threshold,
        language=language,
        opens_on=opens_on,
        closes_on=closes_on,
        status=(
            Campaign.Status.OPEN
            if area.level == Campaign.Level.SCHOOL
            else Campaign.Status.ENROLLING
        ),
        organisation=organisation,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="campaign.create",
        object_type="campaign",
        object_id=campaign.public_id,
        changes={
            "title": campaign.title,
            "instrument": str(instrument),
            "level": campaign.level,
            "region": area.region.code,
            "district": area.district.code if area.district else None,
            "school": school.code if school else None,
        },
    )
    if campaign.status == Campaign.Status.ENROLLING:
        campaign_id = campaign.pk
        transaction.on_commit(lambda: _enqueue_enrolment(campaign_id))
    return campaign


def campaign_area(
    *, level: str, school_code: str = "", district_code: str = "", region_code: str = ""
) -> CampaignArea:
    """The campaign's area from the codes typed in the form; errors name the field."""
    if level == Campaign.Level.SCHOOL:
        school = Organisation.objects.filter(code=school_code, kind=OrganisationKind.SCHOOL).first()
        if school is None or school.region is None:
            raise InvalidInput.on("school", _("No school has this code."))
        return CampaignArea(level=level, region=school.region, school=school)
    if level == Campaign.Level.DISTRICT:
        district = District.objects.select_related("region").filter(code=district_code).first()
        if district is None:
            raise InvalidInput.on("district", _("No district has this code."))
        return CampaignArea(level=level, region=district.region, district=district)
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise InvalidInput.on("region", _("No region has this code."))
    return CampaignArea(level=level, region=region)


def create_campaign_from_form(*, actor: User, data: dict[str, Any]) -> Campaign:
    """The cleaned ``forms.CampaignForm`` data (page and API) to a campaign."""
    return create_campaign(
        actor=actor,
        title=data["title"],
        instrument_code=data["instrument"],
        area=campaign_area(
            level=data["level"],
            school_code=data.get("school") or "",
            district_code=data.get("district") or "",
            region_code=data.get("region") or "",
        ),
        opens_on=data["opens_on"],
        closes_on=data["closes_on"],
        language=data["language"],
        consent_required=bool(data.get("consent_required")),
        follow_up_threshold=data.get("follow_up_threshold"),
        class_labels=(data.get("class_labels") or "").split(","),
    )


def _enqueue_enrolment(campaign_id: int) -> None:
    from qamqor.instruments.tasks import enrol_campaign

    try:
        enrol_campaign.enqueue(campaign_id)
    except Exception:  # the campaign page offers to run it again
        logger.exception("could not enqueue the enrolment of campaign %s", campaign_id)


def _issue_codes(campaign: Campaign, pupils: list[CampaignPupil]) -> int:
    """Create the invited administration (the one-time code) of each eligible pupil."""
    spec = campaign.instrument.spec
    expires = _end_of_day(campaign.closes_on)
    day = today()
    created: list[tuple[CampaignPupil, Administration]] = []
    for pupil in pupils:
        if pupil.administration_id is not None:
            continue
        age = pupil.child.age_on(day)
        if age is not None and not spec.age_range.contains(age):
            continue  # the roster shows the pupil as outside the age range
        created.append(
            (
                pupil,
                _new_administration(
                    instrument=campaign.instrument,
                    child=pupil.child,
                    organisation=pupil.school,
                    mode=Administration.Mode.SELF,
                    status=Administration.Status.INVITED,
                    language=campaign.language,
                    actor=campaign.created_by,
                    campaign=campaign,
                    expires_at=expires,
                ),
            )
        )
    Administration.objects.bulk_create([administration for _pupil, administration in created])
    by_public_id = dict(
        Administration.objects.filter(
            public_id__in=[administration.public_id for _pupil, administration in created]
        ).values_list("public_id", "pk")
    )
    for pupil, administration in created:
        pupil.administration_id = by_public_id[administration.public_id]
    CampaignPupil.objects.bulk_update([pupil for pupil, _a in created], ["administration"])
    return len(created)


def _check_pupil_lines(lines: list[str]) -> list[tuple[date | None, str]]:
    """``2012-05-14 girl`` per line (both parts optional); errors name the line."""
    pupils: list[tuple[date | None, str]] = []
    sexes = {"girl": "girl", "boy": "boy", "f": "girl", "m": "boy", "-": "unknown"}
    for number, line in enumerate(lines, start=1):
        birth: date | None = None
        sex = "unknown"
        for part in line.split():
            lowered = part.lower()
            if lowered in sexes:
                sex = sexes[lowered]
                continue
            try:
                birth = date.fromisoformat(part)
            except ValueError:
                raise InvalidInput.on(
                    "pupils",
                    _("Line %(line)s: write a birth date as 2012-05-14 and the sex as girl or boy.")
                    % {"line": number},
                ) from None
            if birth > today():
                raise InvalidInput.on(
                    "pupils",
                    _("Line %(line)s: the birth date is in the future.") % {"line": number},
                )
        pupils.append((birth, sex))
    return pupils


@transaction.atomic
def add_class(
    *,
    actor: User,
    campaign: Campaign,
    school: Organisation,
    class_label: str,
    new_pupils: int = 0,
    pupil_lines: Iterable[str] = (),
) -> int:
    """Put a class on the campaign's list: the pupils the school already has in that class,
    and new pseudonymous pupils (a count, or one line per pupil with birth date and sex).
    Returns how many pupils were added."""
    if campaign.status == Campaign.Status.CLOSED:
        raise Conflict(_("The campaign is closed."))
    if school.pk not in policy.screening_scope_for(actor).school_ids:
        raise NotAllowed(_("Only the school's psychologist can add its classes."))
    in_area = (
        campaign.school_id == school.pk
        if campaign.level == Campaign.Level.SCHOOL
        else school.region_id == campaign.region_id
        and (campaign.district_id is None or school.district_id == campaign.district_id)
    )
    if not in_area:
        raise InvalidInput.on("school", _("This school is not part of the campaign."))
    label = class_label.strip()
    if not label:
        raise InvalidInput.on("class_label", _("This field is required."))
    details = _check_pupil_lines([line for line in pupil_lines if line.strip()])
    details += [(None, "unknown")] * max(new_pupils - len(details), 0)
    for birth, sex in details:
        case_services.create_child(
            region=school.region,  # type: ignore[arg-type]
            school=school,
            birth_date=birth,
            sex=sex,
            class_label=label,
        )
    enrolled = set(
        CampaignPupil.objects.filter(campaign=campaign).values_list("child_id", flat=True)
    )
    children = [
        child
        for child in Child.objects.filter(school=school, class_label=label).order_by("pk")
        if child.pk not in enrolled
    ]
    pupils = CampaignPupil.objects.bulk_create(
        [
            CampaignPupil(campaign=campaign, child=child, school=school, class_label=label)
            for child in children
        ]
    )
    pupils = list(
        CampaignPupil.objects.filter(campaign=campaign, child__in=children).select_related(
            "child", "school"
        )
    )
    _issue_codes(campaign, pupils)
    if label not in campaign.class_labels and campaign.level == Campaign.Level.SCHOOL:
        Campaign.objects.filter(pk=campaign.pk).update(
            class_labels=sorted({*campaign.class_labels, label})
        )
    audit.record(
        actor=actor,
        action="campaign.add_class",
        object_type="campaign",
        object_id=campaign.public_id,
        changes={"school": school.code, "class": label, "pupils": [c.code for c in children]},
    )
    return len(pupils)


def enrol_area(campaign_id: int) -> int:
    """Enrol every pupil of a district or region campaign's schools (in batches), issue
    their codes, then open the campaign. Safe to run again: it enrols whom it missed."""
    campaign = Campaign.objects.select_related("instrument", "created_by").get(pk=campaign_id)
    schools = Organisation.objects.filter(
        region_id=campaign.region_id, kind=OrganisationKind.SCHOOL
    )
    if campaign.district_id:
        schools = schools.filter(district_id=campaign.district_id)
    children = Child.objects.filter(school__in=schools)
    if campaign.class_labels:
        children = children.filter(class_label__in=campaign.class_labels)
    total = 0
    last_pk = 0
    while True:
        batch = list(children.filter(pk__gt=last_pk).order_by("pk")[:ENROL_BATCH])
        if not batch:
            break
        last_pk = batch[-1].pk
        with transaction.atomic():
            CampaignPupil.objects.bulk_create(
                [
                    CampaignPupil(
                        campaign=campaign,
                        child=child,
                        school_id=child.school_id,  # type: ignore[misc]
                        class_label=child.class_label,
                    )
                    for child in batch
                ],
                ignore_conflicts=True,
            )
            pupils = list(
                CampaignPupil.objects.filter(
                    campaign=campaign, child__in=batch, administration__isnull=True
                ).select_related("child", "school")
            )
            total += _issue_codes(campaign, pupils)
    Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.ENROLLING).update(
        status=Campaign.Status.OPEN
    )
    audit.record(
        actor=None,
        action="campaign.enrol",
        object_type="campaign",
        object_id=campaign.public_id,
        changes={"codes_issued": total},
    )
    return total


@transaction.atomic
def record_consent(
    *, actor: User, campaign: Campaign, pupil_ids: Iterable[int], consent: str
) -> int:
    """Record the legal representatives' answer for some pupils of the actor's schools."""
    if consent not in CampaignPupil.Consent.values:
        raise InvalidInput.on("consent", _("Choose given, refused or not recorded."))
    schools = policy.screening_scope_for(actor).school_ids
    pupils = CampaignPupil.objects.filter(
        campaign=campaign, pk__in=list(pupil_ids), school_id__in=schools
    )
    codes = list(pupils.values_list("child__code", flat=True))
    if not codes:
        raise InvalidInput.on("pupils", _("Choose at least one pupil of your school."))
    changed = pupils.update(
        consent=consent, consent_recorded_at=timezone.now(), consent_recorded_by=actor
    )
    audit.record(
        actor=actor,
        action="campaign.consent",
        object_type="campaign",
        object_id=campaign.public_id,
        changes={"consent": consent, "pupils": codes},
    )
    return changed


@transaction.atomic
def close_campaign(*, actor: User, campaign: Campaign) -> Campaign:
    """Close a campaign: codes not used yet stop working."""
    if campaign.created_by_id != actor.pk and not policy.can_run_campaign(
        actor, level=campaign.level, region_id=campaign.region_id, school_id=campaign.school_id
    ):
        raise NotAllowed(_("Only whoever runs the campaign can close it."))
    if campaign.status == Campaign.Status.CLOSED:
        raise Conflict(_("The campaign is closed."))
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED)
    campaign.status = Campaign.Status.CLOSED
    audit.record(
        actor=actor, action="campaign.close", object_type="campaign", object_id=campaign.public_id
    )
    return campaign
