"""The 111 console's state changes: call cards, the "in danger now" alert, call records.

Every change runs in one transaction with its audit event and any notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.directory.models import District, Organisation, OrganisationKind, Region
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.helpline.models import CHI_TO_FORM, SELF_HARM_CATEGORIES, CallCard, CallRecord
from qamqor.helpline.selectors import helplines_of
from qamqor.intake import services as intake
from qamqor.intake.models import Channel, Report
from qamqor.notify import services as notify
from qamqor.units import entry_point, entry_point_in_steps

CARD_FIELDS = (
    "caller_type",
    "child_age",
    "child_sex",
    "category",
    "risk_level",
    "self_harm_risk",
    "setting",
    "narrative",
    "school",
    "district",
    "region",
)


# --- the police duty unit -------------------------------------------------------------------


def police_duty_for(
    *, region: Region | None, district: District | None = None, school: Organisation | None = None
) -> Organisation | None:
    """The police duty unit that answers for a place: the district's, else the region's."""
    district_id = district.pk if district else (school.district_id if school else None)
    region_id = region.pk if region else (school.region_id if school else None)
    if district is not None:
        region_id = district.region_id
    if region_id is None:
        return None
    units = Organisation.objects.filter(
        kind=OrganisationKind.POLICE_DUTY, region_id=region_id
    ).order_by("pk")
    chosen = units.filter(district_id=district_id).first() if district_id else None
    return chosen or units.first()


def alert_police_duty(
    *,
    unit: Organisation,
    key: str,
    channel_label: str,
    place: str,
    summary: str,
    callback: str = "",
) -> int:
    """Tell the duty unit at once (in-app and email) that a child is in danger now.

    Used by the 111 console and by the chatbot while intake has no life-safety service of
    its own to call (see docs/channels.md)."""
    return notify.notify_organisation(
        unit,
        "danger_now",
        {
            "channel": channel_label,
            "place": place,
            "summary": summary[:1000],
            "callback": callback,
            "raised_at": timezone.now(),
        },
        key=key,
    )


# --- call cards ------------------------------------------------------------------------------


def _operator_helpline(actor: User, helpline: Organisation | None = None) -> Organisation:
    centers = helplines_of(actor)
    if helpline is not None:
        if helpline not in centers:
            raise NotAllowed(_("Only the 111 center's operators can take calls."))
        return helpline
    if not centers:
        raise NotAllowed(_("Only the 111 center's operators can take calls."))
    return centers[0]


@entry_point
def open_card(*, actor: User, call: CallRecord | None = None) -> CallCard:
    """A new, empty call card for the operator (for a call the telephony system opened)."""
    if call is not None:
        helpline = _operator_helpline(actor, call.helpline)
        existing = CallCard.objects.filter(call=call).first()
        if existing is not None:
            return existing
    else:
        helpline = _operator_helpline(actor)
    card = CallCard.objects.create(helpline=helpline, operator=actor, call=call)
    audit.record(
        actor=actor,
        action="call_card.open",
        object_type="call_card",
        object_id=card.public_id,
        changes={"call": call.external_id if call else None},
    )
    return card


def _check_editable(actor: User, card: CallCard) -> CallCard:
    _operator_helpline(actor, card.helpline)
    locked = CallCard.objects.select_for_update().get(pk=card.pk)
    if locked.report_id is not None:
        raise Conflict(_("This call card was saved as a report and can no longer be changed."))
    return locked


def _label(value: Any) -> Any:
    return getattr(value, "code", value)


@entry_point
def update_card(*, actor: User, card: CallCard, data: dict[str, Any]) -> CallCard:
    """Keep what the operator has typed so far (a draft: nothing is required yet)."""
    locked = _check_editable(actor, card)
    changes = {}
    for name in CARD_FIELDS:
        if name in data:
            value = data[name] if data[name] is not None else ""
            if name in {"school", "district", "region"}:
                value = data[name] or None
            if name == "self_harm_risk":
                value = bool(data[name])
            if getattr(locked, name) != value:
                changes[name] = _label(value) if name != "narrative" else "(changed)"
                setattr(locked, name, value)
    if changes:
        locked.updated_at = timezone.now()
        locked.save()
        audit.record(
            actor=actor,
            action="call_card.update",
            object_type="call_card",
            object_id=locked.public_id,
            changes=changes,
        )
    return locked


def _place_text(card: CallCard) -> str:
    parts = [str(p.name) for p in (card.school, card.district) if p is not None]
    region = card.place_region
    if region is not None:
        parts.append(f"{region.name} ({region.code})")
    return ", ".join(parts)


@entry_point
def raise_danger(*, actor: User, card: CallCard, data: dict[str, Any] | None = None) -> CallCard:
    """One click: the child is in danger now. The district's police duty unit is told at
    once and the time is written on the card; the risk level becomes "immediate"."""
    locked = update_card.within(actor=actor, card=card, data=data or {}) if data else None
    locked = _check_editable(actor, locked or card)
    if locked.danger_alerted_at is not None:
        return locked  # one alert per card: a second click changes nothing
    region = locked.place_region
    if region is None:
        raise InvalidInput.on(
            "district", _("Choose the school, district or region first: it decides the unit.")
        )
    unit = police_duty_for(region=region, district=locked.district, school=locked.school)
    if unit is None:
        raise InvalidInput.on(
            "district",
            _("No police duty unit is registered for this region: call 102 and add it."),
        )
    alert_police_duty(
        unit=unit,
        key=f"danger:call-card:{locked.public_id}",
        channel_label=str(Channel.HELPLINE_111.label),
        place=_place_text(locked),
        summary=locked.narrative,
        callback=locked.helpline.phone,
    )
    locked.danger_alerted_at = timezone.now()
    locked.danger_alerted_to = unit
    locked.danger_alerted_by = actor
    locked.risk_level = "immediate"
    locked.updated_at = locked.danger_alerted_at
    locked.save()
    audit.record(
        actor=actor,
        action="call_card.danger_alert",
        object_type="call_card",
        object_id=locked.public_id,
        changes={"police_duty": unit.code, "at": locked.danger_alerted_at.isoformat()},
    )
    return locked


@dataclass(frozen=True)
class SubmittedCard:
    card: CallCard
    report: Report
    followup_code: str


@entry_point
def submit_card(
    *, actor: User, card: CallCard, data: dict[str, Any] | None = None
) -> SubmittedCard:
    """Save the card as a report (channel 111, received by the center, taken by the
    operator). Idempotent per card: a second submit returns the same report."""
    if data:
        update_card.within(actor=actor, card=card, data=data)
    locked = _check_editable(actor, card)
    problems = []
    if len(locked.narrative.strip()) < 10:
        problems.append(("narrative", _("Write a short account of the call (10 characters).")))
    if not locked.category:
        problems.append(("category", _("Choose the category of the contact.")))
    if not locked.risk_level:
        problems.append(("risk_level", _("Choose the risk level.")))
    if not locked.caller_type:
        problems.append(("caller_type", _("Say who called.")))
    if locked.place_region is None:
        problems.append(("district", _("Choose the school, district or region.")))
    if problems:
        from qamqor.errors import FieldProblem

        raise InvalidInput(
            _("The call card is not complete."), [FieldProblem(f, m) for f, m in problems]
        )
    form = CHI_TO_FORM.get(locked.category)
    self_harm = locked.self_harm_risk or locked.category in SELF_HARM_CATEGORIES
    with translation.override(actor.preferred_language):
        header = (
            f"[111] {locked.get_category_display()} · {locked.get_risk_level_display()} · "
            f"{locked.get_caller_type_display()} · {locked.get_child_age_display()} · "
            f"{locked.get_child_sex_display()}"
        )
    submitted = intake.submit_report.within(
        data={
            "narrative": f"{header}\n\n{locked.narrative.strip()}",
            "forms": [form] if form else [],
            "setting": locked.setting,
            "in_danger_now": locked.danger_alerted_at is not None
            or locked.risk_level == "immediate",
            "self_harm_risk": self_harm,
            "anonymous": True,
            "reporter_role": _REPORTER_ROLE.get(locked.caller_type, "other"),
        },
        school=locked.school,
        region=locked.place_region,
        channel=Channel.HELPLINE_111,
        received_by=locked.helpline,
        language=actor.preferred_language,
        idempotency_key=f"helpline-card:{locked.public_id}",
        channel_identifier=locked.call.caller_ref if locked.call else "",
        taken_by=actor,
        # The "in danger now" button told the duty unit already: the life-safety alert
        # that saving raises counts it as told instead of telling it a second time.
        already_told=[locked.danger_alerted_to] if locked.danger_alerted_to else [],
    )
    locked.report = submitted.report
    locked.updated_at = timezone.now()
    locked.save(update_fields=["report", "updated_at"])
    audit.record(
        actor=actor,
        action="call_card.submit",
        object_type="call_card",
        object_id=locked.public_id,
        changes={"report": str(submitted.report.public_id)},
    )
    return SubmittedCard(
        card=locked, report=submitted.report, followup_code=submitted.followup_code
    )


_REPORTER_ROLE = {
    "child": "child",
    "parent": "parent",
    "other_adult": "other",
    "professional": "other",
    "anonymous": "other",
}


# --- the telephony system's call records -----------------------------------------------------


def caller_ref(number: str) -> str:
    """The caller's number in E.164, kept only as a keyed hash; 422 if it is not a number."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, "KZ")
    except phonenumbers.NumberParseException as error:
        raise InvalidInput.on("caller_number", _("Enter a valid phone number.")) from error
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidInput.on("caller_number", _("Enter a valid phone number."))
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return intake.channel_ref(Channel.HELPLINE_111, e164)


@entry_point_in_steps
def open_call(
    *, actor: User, external_id: str, started_at: datetime, caller_number: str = ""
) -> tuple[CallRecord, bool]:
    """Record a call the telephony system answered; a repeated ``external_id`` returns the
    first record and changes nothing. Returns (record, created)."""
    helpline = _operator_helpline(actor)
    external_id = external_id.strip()
    if not external_id:
        raise InvalidInput.on("external_id", _("This field is required."))
    ref = caller_ref(caller_number)
    existing = CallRecord.objects.filter(helpline=helpline, external_id=external_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            record = CallRecord.objects.create(
                helpline=helpline,
                external_id=external_id,
                started_at=started_at,
                caller_ref=ref,
                opened_by=actor,
            )
            audit.record(
                actor=actor,
                action="call.open",
                object_type="call",
                object_id=record.pk,
                changes={"external_id": external_id},
            )
    except IntegrityError:
        return CallRecord.objects.get(helpline=helpline, external_id=external_id), False
    return record, True


@entry_point
def close_call(
    *,
    actor: User,
    external_id: str,
    ended_at: datetime,
    duration_seconds: int | None = None,
) -> CallRecord:
    """Record the end of a call; closing again with the same end changes nothing."""
    helpline = _operator_helpline(actor)
    record = (
        CallRecord.objects.select_for_update()
        .filter(helpline=helpline, external_id=external_id)
        .first()
    )
    if record is None:
        from django.http import Http404

        raise Http404("call")
    if ended_at < record.started_at:
        raise InvalidInput.on("ended_at", _("The call cannot end before it started."))
    if duration_seconds is None:
        duration_seconds = int((ended_at - record.started_at).total_seconds())
    if duration_seconds < 0:
        raise InvalidInput.on("duration_seconds", _("Enter a number of seconds, 0 or more."))
    if record.ended_at is not None:
        if record.ended_at != ended_at:
            raise Conflict(_("This call was already closed at another time."))
        return record
    record.ended_at = ended_at
    record.duration_seconds = duration_seconds
    record.save(update_fields=["ended_at", "duration_seconds"])
    audit.record(
        actor=actor,
        action="call.close",
        object_type="call",
        object_id=record.pk,
        changes={"ended_at": ended_at.isoformat(), "duration_seconds": duration_seconds},
    )
    return record


def contact_center() -> Organisation | None:
    """The organisation that receives chatbot and email reports: the one named by
    ``QAMQOR_CHANNEL_RECEIVER_CODE``, else the first 111 center in the directory."""
    from django.conf import settings

    centers = Organisation.objects.filter(kind=OrganisationKind.HELPLINE).order_by("pk")
    if settings.CHANNEL_RECEIVER_CODE:
        return centers.filter(code=settings.CHANNEL_RECEIVER_CODE).first()
    return centers.first()
