"""Changes to the recommendations tracker (brief 3.2.2): loading the brief's
recommendations from the data file, a status or responsible body changed, evidence added.

Each change writes its history row (``Change``: who, their role and organisation, when,
before and after, the note) and its audit event in the same transaction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import Membership, User
from qamqor.audit import services as audit
from qamqor.directory.models import Organisation
from qamqor.errors import InvalidInput, NotAllowed
from qamqor.files import CheckedFile
from qamqor.oversight.models import (
    Addressee,
    Change,
    Evidence,
    EvidenceDocument,
    Recommendation,
    Status,
    number_key,
)
from qamqor.units import entry_point

DATA_FILE = Path(__file__).resolve().parent / "data" / "recommendations.json"
NUMBER = re.compile(r"^\d+\.\d+\.\d+$")
LANGUAGES = ("kk", "ru", "en")
MAX_NOTE = 2000


class RecommendationDataError(ValueError):
    """The data file does not hold a valid list of recommendations."""


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int
    missing_from_file: tuple[str, ...]


def read_data_file(path: Path | None = None) -> list[dict[str, Any]]:
    """The recommendations of the data file, checked: a number of three parts, once each;
    a known addressee; a summary in each of kk, ru and en."""
    try:
        data = json.loads((path or DATA_FILE).read_text(encoding="utf-8"))
        entries = data["recommendations"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise RecommendationDataError(f"cannot read the recommendations: {error}") from error
    seen: set[str] = set()
    for entry in entries:
        number = str(entry.get("number", ""))
        if not NUMBER.match(number) or number in seen:
            raise RecommendationDataError(f"a number missing, malformed or repeated: {number!r}")
        seen.add(number)
        if entry.get("addressee") not in Addressee.values:
            raise RecommendationDataError(f"{number}: unknown addressee {entry.get('addressee')!r}")
        summary = entry.get("summary") or {}
        if not all(str(summary.get(code, "")).strip() for code in LANGUAGES):
            raise RecommendationDataError(f"{number}: a summary in kk, ru and en is required")
    return list(entries)


@entry_point
def load_recommendations(path: Path | None = None) -> LoadResult:
    """Create or update every recommendation of the data file; idempotent.

    Only what the file holds is written (number, section, order, addressee, summaries):
    the status, the responsible body, the evidence and the history are never touched, so
    a corrected summary can be loaded at any time. A recommendation no longer in the file
    is kept (with its history) and named in the result. Plain ``atomic``: the demo seed
    calls it inside its own transaction."""
    entries = read_data_file(path)
    existing = {rec.number: rec for rec in Recommendation.objects.all()}
    created = updated = unchanged = 0
    for entry in entries:
        number = entry["number"]
        parts = number_key(number)
        values = {
            "section": f"{parts[0]}.{parts[1]}",
            "position": parts[0] * 10_000 + parts[1] * 100 + parts[2],
            "addressee": entry["addressee"],
            **{f"summary_{code}": entry["summary"][code].strip() for code in LANGUAGES},
        }
        found = existing.get(number)
        if found is None:
            Recommendation.objects.create(number=number, **values)
            created += 1
        elif any(getattr(found, name) != value for name, value in values.items()):
            Recommendation.objects.filter(pk=found.pk).update(**values)
            updated += 1
        else:
            unchanged += 1
    in_file = {entry["number"] for entry in entries}
    missing = tuple(sorted(set(existing) - in_file, key=number_key))
    if created or updated:
        audit.record(
            actor=None,
            action="oversight.load",
            object_type="recommendation",
            object_id="*",
            changes={"created": created, "updated": updated},
        )
    return LoadResult(created, updated, unchanged, missing)


def _acting(actor: User, recommendation: Recommendation) -> tuple[Organisation | None, str]:
    """Refuses anyone but the coordinating body's staff; the organisation they act for and
    their role there, which the history shows instead of their name."""
    if not access.permits(actor, "edit", recommendation):
        raise NotAllowed(_("Only the coordinating body keeps the recommendations tracker."))
    organisation = access.acting_organisation_on(actor, "coordinate_nationally")
    role = (
        Membership.objects.filter(user=actor, organisation=organisation, active=True)
        .values_list("role", flat=True)
        .first()
    )
    return organisation, role or ""


def _responsible(organisation: Organisation | None, text: str) -> tuple[int | None, str]:
    """The responsible body as compared and audited: the organisation's key, or the text."""
    return (organisation.pk if organisation is not None else None, text)


@transaction.atomic
def record_status_change(
    *,
    actor: User,
    recommendation: Recommendation,
    status: str,
    note: str = "",
    responsible_organisation: Organisation | None = None,
    responsible_text: str = "",
) -> Recommendation:
    """Set a recommendation's status and responsible body. A note is required when the
    status changes (why it moved, what shows it); a note alone records progress without
    a change. The history row keeps the status and the responsible body before and after."""
    organisation, role = _acting(actor, recommendation)
    if status not in Status.values:
        raise InvalidInput.on("status", _("Choose a status."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput.on("note", _("Keep the note under 2,000 characters."))
    responsible_text = (responsible_text or "").strip()
    if responsible_organisation is not None and responsible_text:
        raise InvalidInput.on(
            "responsible_text",
            _("Name the responsible body either from the directory or in words, not both."),
        )
    current = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    old_responsible = _responsible(current.responsible_organisation, current.responsible_text)
    new_responsible = _responsible(responsible_organisation, responsible_text)
    status_changed = status != current.status
    if status_changed and not note:
        raise InvalidInput.on("note", _("Say why the status changes."))
    if not (status_changed or old_responsible != new_responsible or note):
        raise InvalidInput.on("status", _("Nothing changed: change something or write a note."))
    now = timezone.now()
    Recommendation.objects.filter(pk=current.pk).update(
        status=status,
        responsible_organisation=responsible_organisation,
        responsible_text=responsible_text,
        updated_at=now,
    )
    Change.objects.create(
        recommendation=current,
        kind=Change.Kind.STATUS,
        at=now,
        actor=actor,
        actor_role=role,
        actor_organisation=organisation,
        old_status=current.status,
        new_status=status,
        old_responsible_organisation=current.responsible_organisation,
        old_responsible_text=current.responsible_text,
        new_responsible_organisation=responsible_organisation,
        new_responsible_text=responsible_text,
        note=note,
    )
    audit.record(
        actor=actor,
        action="oversight.status",
        object_type="recommendation",
        object_id=current.number,
        changes={
            "status": [current.status, status],
            "responsible": [list(old_responsible), list(new_responsible)],
        },
    )
    current.refresh_from_db()
    return current


@transaction.atomic
def record_evidence(
    *,
    actor: User,
    recommendation: Recommendation,
    title: str,
    url: str = "",
    document: CheckedFile | None = None,
    note: str = "",
) -> Evidence:
    """Add a link, an uploaded document (already checked by ``files.check_upload``), or
    both, as evidence of a recommendation's progress; recorded in its history."""
    organisation, role = _acting(actor, recommendation)
    title = (title or "").strip()
    if not title:
        raise InvalidInput.on("title", _("Give the evidence a title."))
    url = (url or "").strip()
    if url and not url.startswith(("https://", "http://")):
        raise InvalidInput.on("url", _("Give a web address starting with https://."))
    if not url and document is None:
        raise InvalidInput.on("url", _("Give a link, attach a document, or both."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput.on("note", _("Keep the note under 2,000 characters."))
    current = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    stored = None
    if document is not None:
        stored = EvidenceDocument()
        stored.fill_from(document)
        stored.save()
    now = timezone.now()
    evidence = Evidence.objects.create(
        recommendation=current, title=title, url=url, document=stored, added_at=now, added_by=actor
    )
    Recommendation.objects.filter(pk=current.pk).update(updated_at=now)
    Change.objects.create(
        recommendation=current,
        kind=Change.Kind.EVIDENCE,
        at=now,
        actor=actor,
        actor_role=role,
        actor_organisation=organisation,
        old_status=current.status,
        new_status=current.status,
        old_responsible_organisation=current.responsible_organisation,
        old_responsible_text=current.responsible_text,
        new_responsible_organisation=current.responsible_organisation,
        new_responsible_text=current.responsible_text,
        evidence=evidence,
        note=note,
    )
    audit.record(
        actor=actor,
        action="oversight.evidence",
        object_type="recommendation",
        object_id=current.number,
        changes={
            "evidence": str(evidence.public_id),
            "title": title,
            "url": url,
            "document": stored.sha256 if stored else None,
        },
    )
    return evidence


#: The entry points of the pages and the API.
change_status = entry_point(record_status_change)
add_evidence = entry_point(record_evidence)
