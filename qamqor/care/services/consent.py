"""Consent to psychological support, diagnostics and sharing (brief 1.3.4): recording it,
withdrawing it, and the consent that holds for a provider now."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.care import hooks
from qamqor.care.models import (
    CareClient,
    ChildShare,
    ConsentDocument,
    ConsentGiver,
    ConsentMethod,
    ConsentRecord,
    CrisisBasis,
)
from qamqor.care.services.common import CLOCK_SKEW, ensure_client, lock_child, provider_ids
from qamqor.cases.models import Child, LegalRepresentative
from qamqor.directory.models import Organisation
from qamqor.errors import Conflict, FieldProblem, InvalidInput, NotAllowed
from qamqor.files import CheckedFile
from qamqor.protocols.workdays import ALMATY
from qamqor.units import entry_point


def consent_age(child: Child, given_at: datetime, stated_age: int | None) -> int | None:
    """The child's age when consenting: from the birth date when it is known."""
    if child.birth_date is not None:
        return child.age_on(given_at.astimezone(ALMATY).date())
    return stated_age


def active_support_consent(
    child: Child, organisation: Organisation, now: datetime | None = None
) -> ConsentRecord | None:
    """The consent to psychological support that lets ``organisation`` see the child now."""
    return (
        ConsentRecord.objects.active(now)
        .filter(child=child, organisation_id__in=provider_ids(organisation), covers_support=True)
        .order_by("-recorded_at", "-pk")
        .first()
    )


@entry_point
def record_consent(
    *,
    actor: User,
    child: Child,
    organisation: Organisation,
    giver: str,
    method: str,
    given_at: datetime,
    covers_support: bool = False,
    covers_diagnostics: bool = False,
    covers_sharing: bool = False,
    share_with: Iterable[Organisation] = (),
    representative: LegalRepresentative | None = None,
    giver_name: str = "",
    child_age: int | None = None,
    valid_until: date | None = None,
    document: CheckedFile | None = None,
) -> ConsentRecord:
    """Record a consent given to ``organisation`` (1.3.4).

    The child consents alone only from ``QAMQOR_CONSENT_SELF_AGE``; an alleged
    perpetrator cannot consent for the child. Consent to support closes the child's open
    crisis basis at this provider: from now on sessions rest on the consent.
    """
    share_with = list(share_with)
    if covers_support or covers_diagnostics:
        if not access.acts_for(actor, "give_care", organisation.pk):
            raise NotAllowed(_("Only a psychologist of this organisation can record this consent."))
    elif not access.acts_for(actor, "refer", organisation.pk):
        raise NotAllowed(_("You do not work at this organisation."))
    problems: list[FieldProblem] = []
    if not (covers_support or covers_diagnostics or covers_sharing):
        problems.append(FieldProblem("covers", _("Choose what the consent covers.")))
    if covers_sharing and not share_with:
        problems.append(
            FieldProblem("share_with", _("Name the organisations the data may be shared with."))
        )
    if share_with and not covers_sharing:
        problems.append(
            FieldProblem(
                "covers", _("Tick “sharing” to consent to sharing with these organisations.")
            )
        )
    if method not in ConsentMethod.values:
        problems.append(FieldProblem("method", _("Choose how the consent was given.")))
    if method == ConsentMethod.PAPER_SCAN and document is None:
        problems.append(FieldProblem("document", _("Attach the scan of the signed form.")))
    now = timezone.now()
    if given_at > now + CLOCK_SKEW:
        problems.append(FieldProblem("given_at", _("The consent cannot be given in the future.")))
    if valid_until is not None and valid_until < given_at.astimezone(ALMATY).date():
        problems.append(
            FieldProblem("valid_until", _("The end of validity is before the consent was given."))
        )
    age = None
    if giver == ConsentGiver.LEGAL_REPRESENTATIVE:
        if representative is None and not giver_name.strip():
            problems.append(
                FieldProblem(
                    "representative",
                    _("Choose the legal representative, or write their name as on the form."),
                )
            )
        elif representative is not None and representative.child_id != child.pk:
            problems.append(
                FieldProblem(
                    "representative", _("Choose one of this child's legal representatives.")
                )
            )
        elif representative is not None and representative.is_alleged_perpetrator_in_any_case():
            problems.append(
                FieldProblem(
                    "representative",
                    _(
                        "This representative is the alleged perpetrator and cannot consent for "
                        "the child. Ask the other representative or the guardianship body."
                    ),
                )
            )
    elif giver == ConsentGiver.CHILD:
        age = consent_age(child, given_at, child_age)
        limit = settings.CONSENT_SELF_AGE
        if age is None:
            problems.append(
                FieldProblem("child_age", _("Give the child's age: the age rule depends on it."))
            )
        elif age < limit:
            problems.append(
                FieldProblem(
                    "giver",
                    ngettext(
                        "A child under %(age)d cannot consent alone: consent must come from a "
                        "legal representative or the guardianship body.",
                        "A child under %(age)d cannot consent alone: consent must come from a "
                        "legal representative or the guardianship body.",
                        limit,
                    )
                    % {"age": limit},
                )
            )
    elif giver == ConsentGiver.GUARDIANSHIP_BODY:
        if not giver_name.strip():
            problems.append(
                FieldProblem("giver_name", _("Name the guardianship officer who consented."))
            )
    else:
        problems.append(FieldProblem("giver", _("Choose who gave the consent.")))
    if problems:
        raise InvalidInput(problems[0].message, problems)
    child = lock_child(child)
    consent = ConsentRecord.objects.create(
        child=child,
        organisation=organisation,
        giver=giver,
        representative=representative if giver == ConsentGiver.LEGAL_REPRESENTATIVE else None,
        giver_name=giver_name.strip(),
        child_age=age,
        covers_support=covers_support,
        covers_diagnostics=covers_diagnostics,
        covers_sharing=covers_sharing,
        method=method,
        given_at=given_at,
        valid_until=valid_until,
        recorded_by=actor,
        recorded_at=now,
    )
    if share_with:
        consent.share_with.set(share_with)
    if document is not None:
        stored = ConsentDocument(consent=consent)
        stored.fill_from(document)
        stored.save()
    closed: list[str] = []
    if covers_support:
        ensure_client(child, organisation, CareClient.Via.OWN_RECORD)
        family = provider_ids(organisation)
        open_bases = CrisisBasis.objects.filter(
            child=child, organisation_id__in=family, closed_at__isnull=True
        )
        closed = [str(pk) for pk in open_bases.values_list("public_id", flat=True)]
        open_bases.update(
            closed_at=now, closed_by=actor, close_reason=CrisisBasis.CloseReason.CONSENT_RECORDED
        )
        CrisisBasis.objects.filter(
            child=child, organisation_id__in=family, superseded_by_consent=False
        ).update(superseded_by_consent=True)
    audit.record(
        actor=actor,
        action="consent.record",
        object_type="child",
        object_id=child.code,
        changes={
            "consent": str(consent.public_id),
            "organisation": organisation.code,
            "giver": giver,
            "method": method,
            "support": covers_support,
            "diagnostics": covers_diagnostics,
            "sharing": sorted(org.code for org in share_with),
            "crisis_bases_closed": closed,
        },
    )
    return consent


@entry_point
def withdraw_consent(*, actor: User, consent: ConsentRecord, note: str = "") -> ConsentRecord:
    """Withdraw a consent at once: every sharing that rested on it stops now, and the
    referrals that rested on those shares are cancelled."""
    if not access.acts_for(actor, "refer", consent.organisation_id):
        raise NotAllowed(_("Only the organisation the consent was given to can record this."))
    lock_child(consent.child)
    now = timezone.now()
    updated = ConsentRecord.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_by=actor, withdrawal_note=note.strip()
    )
    if not updated:
        raise Conflict(_("This consent is already withdrawn."))
    consent.refresh_from_db()
    shares = list(ChildShare.objects.active().filter(consent=consent))
    ChildShare.objects.filter(pk__in=[share.pk for share in shares]).update(
        revoked_at=now, revoke_reason="consent withdrawn"
    )
    cancelled = hooks.shares_revoked(  # the referrals resting on them are cancelled
        shares, actor=actor, reason=str(_("The data-sharing consent was withdrawn."))
    )
    audit.record(
        actor=actor,
        action="consent.withdraw",
        object_type="child",
        object_id=consent.child.code,
        changes={
            "consent": str(consent.public_id),
            "shares_revoked": [str(share.public_id) for share in shares],
            "referrals_cancelled": cancelled,
        },
    )
    return consent
