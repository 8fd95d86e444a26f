"""Anonymous appeals of specialists to the coordinating body (brief 1.5.4): no author, no
time finer than the week, released once a day. Who counts as a specialist, the week and
the coordinating body are care's (``care.services.common``)."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import policy
from qamqor.accounts.models import User
from qamqor.appeals.models import Appeal, AppealCategory, AppealRelease
from qamqor.audit import services as audit
from qamqor.audit.context import current_request
from qamqor.care.services.common import (
    MIN_REASON,
    local_today,
    national_coordinators,
    require_text,
    week_start,
)
from qamqor.directory.models import OrganisationKind, Region
from qamqor.errors import InvalidInput, NotAllowed
from qamqor.notify import services as notify
from qamqor.protocols.workdays import ALMATY
from qamqor.units import entry_point

APPEAL_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _appeal_hmac(purpose: str, value: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{value}".encode(), "sha256").digest()


def normalise_appeal_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum()).removeprefix("AP")


def appeal_code_hash(code: str) -> str:
    return _appeal_hmac("appeal-followup", normalise_appeal_code(code)).hex()


def _new_appeal_code(token: str | None) -> str:
    """``AP-XXXX-XXXX-XXXX``; derived from the form's one-time token when there is one, so
    a resent form shows the same code instead of creating a second appeal."""
    raw = _appeal_hmac("appeal-code", token) if token else secrets.token_bytes(16)
    letters = "".join(APPEAL_CODE_ALPHABET[byte % len(APPEAL_CODE_ALPHABET)] for byte in raw[:12])
    return f"AP-{letters[:4]}-{letters[4:8]}-{letters[8:]}"


@dataclass(frozen=True)
class SubmittedAppeal:
    appeal: Appeal
    followup_code: str
    created: bool


@entry_point
def submit_appeal(
    *,
    actor: User,
    category: str,
    text: str,
    region: Region | None = None,
    organisation_kind: str = "",
    idempotency_token: str | None = None,
) -> SubmittedAppeal:
    """A specialist's anonymous appeal to the coordinating body (1.5.4).

    ``actor`` is used to check that they are a specialist and then forgotten: the appeal,
    its audit event and its notification carry no user, no address, no request id and no
    time finer than the week.
    """
    if not policy.care_scope_for(actor).psychologist_org_ids:
        raise NotAllowed(_("Appeals are for school psychologists and PSC staff."))
    if category not in AppealCategory.values:
        raise InvalidInput.on("category", _("Choose what the appeal is about."))
    body = require_text(
        "text", text, MIN_REASON, _("Describe the situation (20 characters at least).")
    )
    if len(body) > 5000:
        raise InvalidInput.on("text", _("Keep it under 5,000 characters."))
    allowed_kinds = {"", OrganisationKind.SCHOOL, OrganisationKind.PSC, OrganisationKind.PSC_BRANCH}
    if organisation_kind not in allowed_kinds:
        raise InvalidInput.on("organisation_kind", _("Choose a school or a PSC, or nothing."))
    code = _new_appeal_code(idempotency_token)
    idempotency_hash = (
        _appeal_hmac("appeal-idempotency", idempotency_token).hex() if idempotency_token else None
    )
    if idempotency_hash:
        existing = Appeal.objects.filter(idempotency_hash=idempotency_hash).first()
        if existing is not None:
            return SubmittedAppeal(existing, code, created=False)
    appeal = Appeal.objects.create(
        category=category,
        text=body,
        region=region,
        organisation_kind=organisation_kind,
        week=week_start(local_today()),
        followup_code_hash=appeal_code_hash(code),
        idempotency_hash=idempotency_hash,
    )
    token = current_request.set(None)  # no address, no request id to link it to a session
    try:
        audit.record(
            actor=None,
            action="appeal.submit",
            object_type="appeal",
            object_id="*",
            changes={"week": appeal.week.isoformat()},
        )
    finally:
        current_request.reset(token)
    return SubmittedAppeal(appeal, code, created=True)


def release_appeals(now: datetime | None = None) -> int:
    """Once a day, at ``QAMQOR_APPEAL_RELEASE_HOUR`` (Almaty), show the coordinating body
    every appeal received since the last release, and tell it how many — so neither the
    list nor the notification reveals when one was sent. Returns how many were released."""
    now = now or timezone.now()
    local = now.astimezone(ALMATY)
    if local.hour < settings.APPEAL_RELEASE_HOUR:
        return 0
    try:
        with transaction.atomic():
            release = AppealRelease.objects.create(day=local.date())
    except IntegrityError:
        return 0  # today's release is done (by this or another worker)
    with transaction.atomic():
        count = Appeal.objects.filter(released=False).update(released=True)
        AppealRelease.objects.filter(pk=release.pk).update(released=count)
        if count:
            audit.record(
                actor=None,
                action="appeal.release",
                object_type="appeal",
                object_id="*",
                changes={"day": local.date().isoformat(), "count": count},
            )
            notify.notify_users(
                national_coordinators(),
                "care_appeal_digest",
                {"count": count},
                key=f"care-appeals:{local.date().isoformat()}",
                link=reverse("care-appeal-list"),
            )
    return count


@entry_point
def answer_appeal(*, actor: User, appeal: Appeal, status: str, response: str) -> Appeal:
    """The coordinating body's answer; the author reads it with their follow-up code."""
    if not policy.care_scope_for(actor).national:
        raise NotAllowed(_("Only the coordinating body answers appeals."))
    if status not in (Appeal.Status.IN_REVIEW, Appeal.Status.ANSWERED):
        raise InvalidInput.on("status", _("Choose “under review” or “answered”."))
    text = (response or "").strip()
    if status == Appeal.Status.ANSWERED and len(text) < 10:
        raise InvalidInput.on("response", _("Write the answer the author will read."))
    Appeal.objects.filter(pk=appeal.pk).update(
        status=status,
        response=text,
        answered_at=timezone.now() if status == Appeal.Status.ANSWERED else None,
    )
    appeal.refresh_from_db()
    audit.record(
        actor=actor,
        action="appeal.answer",
        object_type="appeal",
        object_id=str(appeal.pk),
        changes={"status": status},
    )
    return appeal


def find_appeal(code: str) -> Appeal | None:
    """The appeal a follow-up code belongs to (released or not)."""
    if not normalise_appeal_code(code):
        return None
    return Appeal.objects.filter(followup_code_hash=appeal_code_hash(code)).first()
