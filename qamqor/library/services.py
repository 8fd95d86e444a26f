"""Changes to the regulation library (brief 1.5.1, 1.7.4, 2.3.6): the real documents loaded
as references, a new document or version published by the coordinating body with the
briefings it makes due, an acknowledgement, the daily reminders, a material shared.

Each change writes its audit event in the same transaction; notifications go through the
outbox (``notify.services``), so a briefing is neither lost nor sent twice.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import Membership, Role, User
from qamqor.audit import services as audit
from qamqor.errors import InvalidInput, NotAllowed
from qamqor.files import CheckedFile
from qamqor.library.models import (
    Acknowledgement,
    Document,
    DocumentKind,
    DocumentVersion,
    Material,
    Topic,
    VersionFile,
    tags,
)
from qamqor.notify import services as notify
from qamqor.protocols.models import ProtocolVersion
from qamqor.units import entry_point

DATA_FILE = Path(__file__).resolve().parent / "data" / "documents.json"
LANGUAGES = ("kk", "ru", "en")
MAX_TEXT = 4000
#: How many briefings one pass of the reminder sweep takes (the rest: the next pass).
REMINDER_BATCH = 2000


def local_today() -> date:
    return timezone.localdate()


# --- the real documents, as references ------------------------------------------------


class LibraryDataError(ValueError):
    """The data file does not hold a valid list of documents."""


@dataclass(frozen=True)
class LoadResult:
    documents: int
    versions_created: int
    versions_updated: int


def read_data_file(path: Path | None = None) -> list[dict[str, Any]]:
    """The documents of the data file, checked: a code once each, a known kind, a title in
    kk/ru/en, at least one version with a number and a summary in kk/ru/en."""
    try:
        entries = json.loads((path or DATA_FILE).read_text(encoding="utf-8"))["documents"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise LibraryDataError(f"cannot read the documents: {error}") from error
    seen: set[str] = set()
    for entry in entries:
        code = str(entry.get("code", ""))
        if not code or code in seen:
            raise LibraryDataError(f"a code missing or repeated: {code!r}")
        seen.add(code)
        if entry.get("kind") not in DocumentKind.values:
            raise LibraryDataError(f"{code}: unknown kind {entry.get('kind')!r}")
        if not all(str((entry.get("title") or {}).get(lang, "")).strip() for lang in LANGUAGES):
            raise LibraryDataError(f"{code}: a title in kk, ru and en is required")
        versions = entry.get("versions") or []
        if not versions:
            raise LibraryDataError(f"{code}: at least one version is required")
        for version in versions:
            summary = version.get("summary") or {}
            if not str(version.get("number", "")).strip() or not all(
                str(summary.get(lang, "")).strip() for lang in LANGUAGES
            ):
                raise LibraryDataError(f"{code}: each version needs a number and kk/ru/en summary")
            effective = version.get("effective_on")
            if effective is not None and parse_date(str(effective)) is None:
                raise LibraryDataError(f"{code}: bad effective date {effective!r}")
    return list(entries)


@entry_point
def load_documents(path: Path | None = None) -> LoadResult:
    """Create or update the documents of the data file and their versions (by position);
    idempotent. Versions loaded here brief nobody: a briefing is made by publishing.
    Plain ``atomic``: the demo seed calls it inside its own transaction."""
    created = updated = 0
    entries = read_data_file(path)
    for entry in entries:
        document, _new = Document.objects.update_or_create(
            code=entry["code"],
            defaults={
                "kind": entry["kind"],
                **{f"title_{lang}": entry["title"][lang].strip() for lang in LANGUAGES},
                "issuer": entry.get("issuer", ""),
                "reference": entry.get("reference", ""),
            },
        )
        for sequence, version in enumerate(entry["versions"], start=1):
            changes = version.get("changes") or {}
            values = {
                "number": version["number"].strip(),
                "effective_on": parse_date(str(version["effective_on"]))
                if version.get("effective_on")
                else None,
                "url": version.get("url", ""),
                **{f"summary_{lang}": version["summary"][lang].strip() for lang in LANGUAGES},
                **{f"changes_{lang}": str(changes.get(lang, "")).strip() for lang in LANGUAGES},
            }
            found = DocumentVersion.objects.filter(document=document, sequence=sequence).first()
            if found is None:
                DocumentVersion.objects.create(document=document, sequence=sequence, **values)
                created += 1
            elif any(getattr(found, name) != value for name, value in values.items()):
                DocumentVersion.objects.filter(pk=found.pk).update(**values)
                updated += 1
    if created or updated:
        audit.record(
            actor=None,
            action="library.load",
            object_type="document",
            object_id="*",
            changes={"versions_created": created, "versions_updated": updated},
        )
    return LoadResult(len(entries), created, updated)


# --- publishing and briefings -------------------------------------------------------


def _require_publisher(actor: User) -> None:
    if not access.allows(actor, "library_publish"):
        raise NotAllowed(_("Only the coordinating body publishes regulations."))


def _texts(prefix: str, values: dict[str, str], *, required: bool) -> dict[str, str]:
    texts = {f"{prefix}_{lang}": (values.get(lang) or "").strip() for lang in LANGUAGES}
    if required and not all(texts.values()):
        missing = next(lang for lang in LANGUAGES if not texts[f"{prefix}_{lang}"])
        raise InvalidInput.on(f"{prefix}_{missing}", _("Write it in Kazakh, Russian and English."))
    for name, text in texts.items():
        if len(text) > MAX_TEXT:
            raise InvalidInput.on(name, _("Keep it under 4,000 characters."))
    return texts


@transaction.atomic
def record_document(
    *,
    actor: User,
    code: str,
    kind: str,
    title_kk: str,
    title_ru: str,
    title_en: str,
    issuer: str = "",
    reference: str = "",
) -> Document:
    """Add a document to the library (its versions are published one by one)."""
    _require_publisher(actor)
    if kind not in DocumentKind.values:
        raise InvalidInput.on("kind", _("Choose the kind of document."))
    code = (code or "").strip().lower()
    if not code:
        raise InvalidInput.on("code", _("Give the document a short code."))
    if Document.objects.filter(code=code).exists():
        raise InvalidInput.on("code", _("A document with this code exists."))
    titles = _texts("title", {"kk": title_kk, "ru": title_ru, "en": title_en}, required=True)
    document = Document.objects.create(
        code=code, kind=kind, issuer=issuer.strip(), reference=reference.strip(), **titles
    )
    audit.record(
        actor=actor, action="library.document", object_type="document", object_id=code, changes={}
    )
    return document


def briefed_memberships(roles: Iterable[str]) -> list[Membership]:
    """One active membership per active user holding one of ``roles`` (their first by
    key): whom a version in those roles briefs, and where each stands in the coverage."""
    chosen: dict[int, Membership] = {}
    memberships = (
        Membership.objects.filter(role__in=list(roles), active=True, user__is_active=True)
        .select_related("organisation", "user")
        .order_by("pk")
    )
    for membership in memberships:
        chosen.setdefault(membership.user_id, membership)
    return list(chosen.values())


@transaction.atomic
def record_version(
    *,
    actor: User,
    document: Document,
    number: str,
    summary_kk: str,
    summary_ru: str,
    summary_en: str,
    affected_roles: list[str],
    effective_on: date | None = None,
    changes_kk: str = "",
    changes_ru: str = "",
    changes_en: str = "",
    url: str = "",
    file: CheckedFile | None = None,
    protocol_version: ProtocolVersion | None = None,
) -> DocumentVersion:
    """Publish a new version of ``document`` (brief 1.7.4, 2.3.6) and brief the roles it
    concerns: an ``Acknowledgement`` due for every active user holding one of
    ``affected_roles`` (one per user, wherever they work), and a notification to each
    through the outbox. A version after the first says what changed."""
    _require_publisher(actor)
    number = (number or "").strip()
    if not number:
        raise InvalidInput.on("number", _("Give the version's number and date as cited."))
    roles = sorted(set(affected_roles or []))
    if not roles or not set(roles) <= set(Role.values):
        raise InvalidInput.on("affected_roles", _("Name the roles to be briefed."))
    summaries = _texts(
        "summary", {"kk": summary_kk, "ru": summary_ru, "en": summary_en}, required=True
    )
    changes = _texts(
        "changes", {"kk": changes_kk, "ru": changes_ru, "en": changes_en}, required=False
    )
    url = (url or "").strip()
    if url and not url.startswith(("https://", "http://")):
        raise InvalidInput.on("url", _("Give a web address starting with https://."))
    locked = Document.objects.select_for_update().get(pk=document.pk)
    last = locked.versions.aggregate(last=Max("sequence"))["last"] or 0
    if last and not any(changes.values()):
        raise InvalidInput.on("changes_en", _("Say what changed against the previous version."))
    stored = None
    if file is not None:
        stored = VersionFile()
        stored.fill_from(file)
        stored.save()
    now = timezone.now()
    version = DocumentVersion.objects.create(
        document=locked,
        sequence=last + 1,
        number=number,
        effective_on=effective_on,
        url=url,
        file=stored,
        protocol_version=protocol_version,
        affected_roles=tags(roles),
        published_at=now,
        published_by=actor,
        **summaries,
        **changes,
    )
    memberships = briefed_memberships(roles)
    today = local_today()
    Acknowledgement.objects.bulk_create(
        [
            Acknowledgement(
                version=version,
                user_id=membership.user_id,
                role=membership.role,
                organisation_id=membership.organisation_id,
                region_id=membership.organisation.region_id,
                due_at=now,
                notified_on=today,
            )
            for membership in memberships
        ]
    )
    notify.notify_users(
        [membership.user for membership in memberships],
        "library_briefing",
        _notice_context(version),
        key=f"library-briefing:{version.public_id}",
        link=reverse("library-briefings"),
    )
    audit.record(
        actor=actor,
        action="library.publish",
        object_type="document_version",
        object_id=str(version.public_id),
        changes={
            "document": locked.code,
            "sequence": version.sequence,
            "roles": roles,
            "briefed": len(memberships),
            "file": stored.sha256 if stored else None,
        },
    )
    return version


def _notice_context(version: DocumentVersion) -> dict[str, Any]:
    document = version.document
    return {
        "title": {"kk": document.title_kk, "ru": document.title_ru, "en": document.title_en},
        "number": version.number,
        "summary": {"kk": version.summary_kk, "ru": version.summary_ru, "en": version.summary_en},
        "changes": {"kk": version.changes_kk, "ru": version.changes_ru, "en": version.changes_en},
    }


@transaction.atomic
def record_acknowledgement(
    *, actor: User, acknowledgement: Acknowledgement, read: bool = True
) -> Acknowledgement:
    """The briefed user confirms they have read the version; a second time changes nothing."""
    if not access.permits(actor, "acknowledge", acknowledgement):
        raise NotAllowed(_("Only the person briefed acknowledges a briefing."))
    if not read:
        raise InvalidInput.on("read", _("Confirm that you have read it."))
    current = Acknowledgement.objects.select_for_update().get(pk=acknowledgement.pk)
    if current.acknowledged_at is None:
        current.acknowledged_at = timezone.now()
        Acknowledgement.objects.filter(pk=current.pk).update(
            acknowledged_at=current.acknowledged_at
        )
        audit.record(
            actor=actor,
            action="library.acknowledge",
            object_type="acknowledgement",
            object_id=str(current.public_id),
            changes={"version": str(current.version.public_id)},
        )
    return current


@entry_point
def send_briefing_reminders(*, today: date | None = None, limit: int = REMINDER_BATCH) -> int:
    """Remind everyone who has not acknowledged a briefing, at most once a day: those last
    told (published or reminded) before ``today``. The worker's sweep runs it every few
    minutes and ``manage.py send_briefing_reminders`` by hand; the claim moves
    ``notified_on`` to today in the same transaction, and the notification's key names
    the day, so two workers never remind one person twice in a day. Returns how many
    people were reminded."""
    today = today or local_today()
    due = list(
        Acknowledgement.objects.pending()
        .filter(notified_on__lt=today, user__is_active=True)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("version__document", "user")
        .order_by("pk")[:limit]
    )
    if not due:
        return 0
    Acknowledgement.objects.filter(pk__in=[ack.pk for ack in due]).update(
        notified_on=today, reminders=F("reminders") + 1
    )
    by_version: dict[int, list[Acknowledgement]] = defaultdict(list)
    for ack in due:
        by_version[ack.version_id].append(ack)
    for acks in by_version.values():
        version = acks[0].version
        notify.notify_users(
            [ack.user for ack in acks],
            "library_briefing_reminder",
            _notice_context(version),
            key=f"library-reminder:{version.public_id}:{today.isoformat()}",
            link=reverse("library-briefings"),
        )
    audit.record(
        actor=None,
        action="library.remind",
        object_type="acknowledgement",
        object_id=today.isoformat(),
        changes={"reminded": len(due)},
    )
    return len(due)


# --- the methodological base ----------------------------------------------------------


def _search_text(texts: dict[str, str]) -> str:
    return "\n".join(text for text in texts.values() if text).casefold()


@transaction.atomic
def record_material(
    *,
    actor: User,
    topics: list[str],
    title_kk: str = "",
    title_ru: str = "",
    title_en: str = "",
    summary_kk: str = "",
    summary_ru: str = "",
    summary_en: str = "",
    roles: list[str] | None = None,
    url: str = "",
    file: CheckedFile | None = None,
) -> Material:
    """A coordinator (national or regional) shares a guide or a practice (brief 1.5.1);
    the material shows the region it comes from (a regional coordinator's region; none
    for the coordinating body)."""
    if not access.allows(actor, "library_share"):
        raise NotAllowed(_("Only coordinators add materials to the methodological base."))
    titles = _texts("title", {"kk": title_kk, "ru": title_ru, "en": title_en}, required=False)
    if not any(titles.values()):
        raise InvalidInput.on("title_ru", _("Give a title in at least one language."))
    summaries = _texts(
        "summary", {"kk": summary_kk, "ru": summary_ru, "en": summary_en}, required=False
    )
    topics = sorted(set(topics or []))
    if not topics or not set(topics) <= set(Topic.values):
        raise InvalidInput.on("topics", _("Choose at least one topic."))
    roles = sorted(set(roles or []))
    if not set(roles) <= set(Role.values):
        raise InvalidInput.on("roles", _("Choose roles from the list."))
    url = (url or "").strip()
    if url and not url.startswith(("https://", "http://")):
        raise InvalidInput.on("url", _("Give a web address starting with https://."))
    if not url and file is None:
        raise InvalidInput.on("url", _("Give a link, attach a file, or both."))
    organisation = access.acting_organisation_on(
        actor, "coordinate_region"
    ) or access.acting_organisation_on(actor, "coordinate_nationally")
    stored = None
    if file is not None:
        stored = VersionFile()
        stored.fill_from(file)
        stored.save()
    material = Material.objects.create(
        topics=tags(topics),
        roles=tags(roles),
        url=url,
        file=stored,
        organisation=organisation,
        region_id=organisation.region_id if organisation is not None else None,
        added_by=actor,
        search_text=_search_text({**titles, **summaries}),
        **titles,
        **summaries,
    )
    audit.record(
        actor=actor,
        action="library.material",
        object_type="material",
        object_id=str(material.public_id),
        changes={"topics": topics, "roles": roles, "file": stored.sha256 if stored else None},
    )
    return material


#: The entry points of the pages, the API and the command line.
add_document = entry_point(record_document)
publish_version = entry_point(record_version)
acknowledge = entry_point(record_acknowledgement)
add_material = entry_point(record_material)
