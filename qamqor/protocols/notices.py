"""Notices to a child's legal representatives, as the protocol says (brief 1.3.5, 1.4.2).

Each step of a definition may carry a ``representative_notice`` (definitions.py): which
template, when (the step opens, or is completed and its outputs such as the conversation's
date and place fill the text) and whether staff review it first. A fired notice is a
``RepresentativeNotice`` row holding its text in every language; it goes out — by email
to an address and by SMS to a phone, both when both are recorded — either at once or
when staff confirm it (possibly corrected). Each recipient is decided when it goes:

- never the alleged perpetrator of this case, never a person marked "do not contact" in
  this case (both on ``cases.CaseRepresentative``), never anyone when the protocol
  forbids it (domestic violence, sexual violence);
- every one withheld is written on the case timeline with the reason;
- a representative recorded later, or a child attached later, gets the notices already
  sent in the case (each person once: the outbox's dedupe keys).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.cases.models import Case, CaseEvent, CaseRepresentative, LegalRepresentative
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.notify import services as notify
from qamqor.notify import sms
from qamqor.notify.models import Notification
from qamqor.protocols.definitions import RepresentativeNotice as NoticeSpec
from qamqor.protocols.models import RepresentativeNotice, Step
from qamqor.units import entry_point

LEGAL_REPRESENTATIVES = "legal_representatives"
MAX_BODY = 5000


@dataclass(frozen=True)
class Contact:
    """A representative of the case's child with their flags in this case."""

    person: LegalRepresentative
    link: CaseRepresentative | None

    @property
    def is_alleged_perpetrator(self) -> bool:
        return bool(self.link and self.link.is_alleged_perpetrator)

    @property
    def do_not_contact(self) -> bool:
        return bool(self.link and self.link.do_not_contact)


def contacts(case: Case) -> list[Contact]:
    """The case's child's representatives with their per-case link (if any)."""
    if case.child_id is None:
        return []
    links = {link.representative_id: link for link in case.representative_links.all()}
    people = LegalRepresentative.objects.filter(child_id=case.child_id).order_by("pk")
    return [Contact(person, links.get(person.pk)) for person in people]


def _format(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    return value


def _context(step: Step, spec: NoticeSpec) -> dict[str, Any]:
    case = step.case
    context: dict[str, Any] = {
        "case": case,
        "school": case.school,
        "step_title": step.spec.title.model_dump(),
    }
    for key in spec.outputs:
        context[key] = _format((step.output or {}).get(key, ""))
    return context


def render(step: Step, spec: NoticeSpec) -> dict[str, dict[str, str]]:
    """Subject, body and SMS text in every language of the installation."""
    context = _context(step, spec)
    return {
        code: sms.render_notice(spec.template, code, context) for code, _name in settings.LANGUAGES
    }


def _withhold(case: Case, notice: RepresentativeNotice | None, step: Step, **reason: str) -> None:
    """One timeline entry per notice, reason and person, however often the notice is sent."""
    payload: dict[str, Any] = {"step": step.key, "to": LEGAL_REPRESENTATIVES, **reason}
    if notice is not None:
        payload["notice"] = notice.pk
        if (
            CaseEvent.objects.filter(
                case=case, kind=CaseEvent.Kind.NOTIFICATION_WITHHELD, payload__notice=notice.pk
            )
            .filter(**{f"payload__{key}": value for key, value in reason.items()})
            .exists()
        ):
            return
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.NOTIFICATION_WITHHELD, payload=payload)


def fire(step: Step, trigger: str) -> list[RepresentativeNotice]:
    """The step's notices with this trigger: drafts to review, or sent at once."""
    fired = []
    for spec in step.spec.representative_notices():
        if spec.trigger != trigger:
            continue
        case = step.case
        if LEGAL_REPRESENTATIVES in step.run.protocol.spec.never_notify:
            _withhold(case, None, step, reason="protocol_forbids")
            continue
        notice, created = RepresentativeNotice.objects.get_or_create(
            step=step,
            template=spec.template,
            defaults={
                "case": case,
                "trigger": trigger,
                "review": spec.review,
                "texts": render(step, spec),
            },
        )
        if created and not spec.review:
            _send(notice, at=timezone.now())
        elif created:
            # the step's organisation is asked to review it: nothing goes before that
            notify.notify_organisation(
                step.organisation,
                "representative_notice_review",
                {"case": case, "step_title": step.spec.title.model_dump()},
                key=f"representative-notice-review:{notice.pk}",
                case=case,
                link=reverse("case-notices", args=[case.number]),
            )
        fired.append(notice)
    return fired


def _send(notice: RepresentativeNotice, *, at: Any) -> int:
    """Queue the notice to every representative who may be told now; returns how many
    messages were queued (an email and an SMS to one person count two)."""
    if notice.status != RepresentativeNotice.Status.SENT:
        RepresentativeNotice.objects.filter(pk=notice.pk).update(
            status=RepresentativeNotice.Status.SENT
        )
        notice.status = RepresentativeNotice.Status.SENT
    case, step = notice.case, notice.step
    people = contacts(case)
    if not people:
        _withhold(case, notice, step, reason="none_recorded")
        return 0
    queued = 0
    for contact in people:
        person = contact.person
        if contact.is_alleged_perpetrator:
            _withhold(
                case, notice, step, reason="alleged_perpetrator", representative=str(person.pk)
            )
            continue
        if contact.do_not_contact:
            _withhold(case, notice, step, reason="do_not_contact", representative=str(person.pk))
            continue
        if not person.email and not person.phone:
            _withhold(case, notice, step, reason="no_address", representative=str(person.pk))
            continue
        texts = notice.texts.get(person.language) or notice.texts.get(settings.LANGUAGE_CODE, {})
        key = f"representative-notice:{notice.pk}:{person.pk}"
        if person.email:
            queued += notify.queue_message(
                channel=Notification.Channel.EMAIL,
                address=person.email,
                language=person.language,
                subject=texts.get("subject", ""),
                body=texts.get("body", ""),
                key=_dedupe_key(f"{key}:email:{_digest(person.email.lower())}"),
                template=notice.template,
                case=case,
            )
        if person.phone:
            queued += notify.queue_message(
                channel=Notification.Channel.SMS,
                address=person.phone,
                language=person.language,
                subject=texts.get("subject", ""),
                body=texts.get("sms", ""),
                key=_dedupe_key(f"{key}:sms:{_digest(person.phone)}"),
                template=notice.template,
                case=case,
            )
    return queued


def _digest(address: str) -> str:
    """An address in a dedupe key: a corrected address is a new recipient; kept short."""
    return hashlib.sha256(address.encode()).hexdigest()[:16]


def _dedupe_key(base: str) -> str:
    """Each person and address is sent a notice once; a copy cancelled while they were not
    to be told (a mark since lifted) does not count, so they get it after all."""
    taken = dict(
        Notification.objects.filter(dedupe_key__startswith=base).values_list("dedupe_key", "status")
    )
    live = [key for key, status in taken.items() if status != Notification.Status.CANCELLED]
    if live:
        return live[0]  # already queued or sent: queue_message refuses it again
    return base if not taken else f"{base}:{len(taken) + 1}"


def catch_up(case: Case) -> int:
    """After a child or a representative is recorded: the notices already sent in the case
    reach those not yet told, and notices of steps that opened or were completed before
    any representative was known are fired now (brief 1.3.5)."""
    current = case.protocol_runs.filter(ended_at__isnull=True).select_related("protocol").first()
    if current is None or LEGAL_REPRESENTATIVES in current.protocol.spec.never_notify:
        return 0
    count = 0
    steps = Step.objects.filter(run=current).select_related("case__school", "run__protocol")
    for step in steps:
        triggers = []
        if step.status in (Step.Status.OPEN, Step.Status.DONE):
            triggers.append("step_opened")
        if step.status == Step.Status.DONE:
            triggers.append("step_completed")
        for trigger in triggers:
            fire(step, trigger)
    for notice in RepresentativeNotice.objects.filter(
        case=case, status=RepresentativeNotice.Status.SENT
    ).select_related("step", "case"):
        count += _send(notice, at=timezone.now())
    return count


def cancel_drafts(case: Case) -> int:
    """Drafts not yet reviewed are cancelled when the case's new protocol forbids notices."""
    return RepresentativeNotice.objects.filter(
        case=case, status=RepresentativeNotice.Status.DRAFT
    ).update(status=RepresentativeNotice.Status.CANCELLED)


def withhold_pending_for(case: Case, person: LegalRepresentative, *, reason: str) -> int:
    """Cancel the case's messages not yet sent to a person who may no longer be told (marked
    alleged perpetrator or "do not contact"); the timeline says so."""
    addresses = [a for a in (person.email, person.phone) if a]
    if not addresses:
        return 0
    cancelled = (
        Notification.objects.to_address(*addresses)
        .filter(case=case, recipient__isnull=True, status=Notification.Status.PENDING)
        .update(status=Notification.Status.CANCELLED)
    )
    if cancelled:
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.NOTIFICATION_WITHHELD,
            payload={
                "to": LEGAL_REPRESENTATIVES,
                "reason": reason,
                "representative": str(person.pk),
                "cancelled": cancelled,
            },
        )
    return cancelled


# --- review ------------------------------------------------------------------------------


@entry_point
def confirm(
    *,
    notice: RepresentativeNotice,
    actor: User,
    texts: dict[str, dict[str, str]] | None = None,
) -> RepresentativeNotice:
    """Staff confirm a draft, with their corrections: it is queued to the representatives.

    ``texts`` may correct any language's subject, body or SMS text; an SMS text too long
    for six parts, an empty body or an unknown language is refused with the field named.
    """
    if not access.permits(actor, "review", notice):
        raise NotAllowed(_("Only the organisation accountable for the step reviews its notice."))
    locked = RepresentativeNotice.objects.select_for_update().get(pk=notice.pk)
    if locked.case.is_closed:
        raise Conflict(_("The case is closed."))
    if locked.status != RepresentativeNotice.Status.DRAFT:
        raise Conflict(_("This notice is no longer waiting for review."))
    merged = {language: dict(parts) for language, parts in locked.texts.items()}
    edited = False
    for language, parts in (texts or {}).items():
        if language not in merged:
            raise InvalidInput.on(f"texts.{language}", _("Unknown language."))
        for part, value in parts.items():
            if part not in ("subject", "body", "sms"):
                raise InvalidInput.on(f"texts.{language}.{part}", _("Unknown part of the text."))
            value = str(value).strip()
            field = f"texts.{language}.{part}"
            if not value:
                raise InvalidInput.on(field, _("This text cannot be empty."))
            if part == "subject" and len(value) > 255:
                raise InvalidInput.on(field, _("The subject is longer than 255 characters."))
            if part == "body" and len(value) > MAX_BODY:
                raise InvalidInput.on(field, _("The text is too long."))
            if part == "sms":
                try:
                    sms.split_text(value)
                except sms.MessageTooLong:
                    raise InvalidInput.on(
                        field,
                        _("The SMS text is too long: at most %(count)d characters.")
                        % {"count": sms.PART_LIMIT * sms.MAX_PARTS},
                    ) from None
            if merged[language].get(part) != value:
                merged[language][part] = value
                edited = True
    now = timezone.now()
    locked.texts = merged
    locked.edited = edited
    locked.confirmed_at = now
    locked.confirmed_by = actor
    locked.save(update_fields=["texts", "edited", "confirmed_at", "confirmed_by"])
    queued = _send(locked, at=now)
    audit.record(
        actor=actor,
        action="case.representative_notice.confirm",
        object_type="case",
        object_id=locked.case.number,
        changes={
            "notice": locked.pk,
            "template": locked.template,
            "edited": edited,
            "queued": queued,
        },
    )
    return locked


@entry_point
def cancel(*, notice: RepresentativeNotice, actor: User, reason: str) -> RepresentativeNotice:
    """Staff decide a draft must not go (the family is told another way); the reason is kept."""
    if not access.permits(actor, "review", notice):
        raise NotAllowed(_("Only the organisation accountable for the step reviews its notice."))
    reason = reason.strip()
    if not reason:
        raise InvalidInput.on("reason", _("Say why the notice is not sent."))
    locked = RepresentativeNotice.objects.select_for_update().get(pk=notice.pk)
    if locked.status != RepresentativeNotice.Status.DRAFT:
        raise Conflict(_("This notice is no longer waiting for review."))
    locked.status = RepresentativeNotice.Status.CANCELLED
    locked.confirmed_at = timezone.now()
    locked.confirmed_by = actor
    locked.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    CaseEvent.objects.create(
        case=locked.case,
        kind=CaseEvent.Kind.NOTIFICATION_WITHHELD,
        actor=actor,
        payload={
            "step": locked.step.key,
            "to": LEGAL_REPRESENTATIVES,
            "reason": "cancelled_by_staff",
            "notice": locked.pk,
        },
        note=reason,
    )
    audit.record(
        actor=actor,
        action="case.representative_notice.cancel",
        object_type="case",
        object_id=locked.case.number,
        changes={"notice": locked.pk, "reason": audit.sealed(reason)},
    )
    return locked


def notice_on_case(case: Case, notice_id: int) -> RepresentativeNotice:
    """A notice of this case (read through the case's policy); 404 for any other."""
    from django.http import Http404

    notice = (
        RepresentativeNotice.objects.filter(pk=notice_id, case=case)
        .select_related("step__organisation", "step__run__protocol", "case__school")
        .first()
    )
    if notice is None:
        raise Http404("notice")
    return notice


def deliveries(notice: RepresentativeNotice) -> list[Notification]:
    """The messages a notice became, with their SMS parts and receipts."""
    return list(
        Notification.objects.filter(
            case_id=notice.case_id, dedupe_key__startswith=f"representative-notice:{notice.pk}:"
        )
        .prefetch_related("sms_parts")
        .order_by("pk")
    )
