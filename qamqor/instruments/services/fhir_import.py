"""Import of a FHIR R4B QuestionnaireResponse of a shipped instrument (brief 1.2.7): the
answers are scored here, a stated total is only compared, and one response is stored once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.cases.models import Child
from qamqor.errors import Conflict, FieldProblem, NotAllowed
from qamqor.instruments import definitions, fhir, scoring
from qamqor.instruments.models import (
    Administration,
    InstrumentVersion,
)
from qamqor.instruments.services.administration import (
    may_screen,
    new_administration,
    screening_organisation,
)
from qamqor.instruments.services.catalogue import check_age
from qamqor.instruments.services.submission import complete_administration
from qamqor.units import entry_point


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
    visible = Administration.objects.restrict(actor, "view").filter(pk=existing.pk).exists()
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


@entry_point
def import_response(*, actor: User, child: Child, parsed: fhir.ParsedResponse) -> Imported:
    """Store a FHIR QuestionnaireResponse for a shipped instrument (brief 1.2.7).

    The answers are scored here; a total the sender stated is kept only to be compared,
    on the scale it was stated in. The instrument's age range is checked for the child's
    age on the day the response was authored, as for an interview. The same response
    (its ``identifier``, or its ``id`` from the same source) is stored once: a second
    import, even a concurrent one (a unique constraint decides), answers with the first.
    """
    if not may_screen(actor, child):
        raise NotAllowed(_("You cannot screen this child."))
    organisation = screening_organisation(actor, child)
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
    administration = new_administration(
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
    completed = complete_administration(
        administration,
        scored,
        actor=actor,
        now=now,
        expected_status=Administration.Status.IN_PROGRESS,
        stated=stated,
        submitted_at=authored,
    )
    return Imported(completed, created=True)
