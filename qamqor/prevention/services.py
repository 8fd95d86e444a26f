"""Changes to schools' prevention documents and to children's individual plans (brief
1.1.3; Order No. 506 pp. 3-6, 12).

Every change writes its audit event in the same transaction; free texts of an individual
plan reach the audit log sealed (``audit.sealed``), never in words. The entry points the
pages and the API call run in ``atomic(durable=True)``; the demo seed calls the plain
functions inside its one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.cases.models import Case, Child
from qamqor.directory.models import Organisation
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.files import CheckedFile
from qamqor.prevention.models import (
    Activity,
    ActivityKind,
    Audience,
    DocumentFile,
    DocumentKind,
    DocumentStatus,
    IndividualPlan,
    Party,
    PreventionDocument,
    Source,
    school_year_of,
)
from qamqor.protocols.models import Step
from qamqor.protocols.workdays import add_months
from qamqor.translation import LANGUAGE_CODES, active_language, pick
from qamqor.units import entry_point

DATA_FILE = Path(__file__).resolve().parent / "data" / "templates.json"
#: The protocol step whose completion is "the decision" of Order No. 506 pp. 10, 12.
DECISION_STEP = "education_decision"
MAX_SECTION = 4000
MAX_MEASURES = 4000


# --- the templates, as data ------------------------------------------------------------


class TemplateDataError(ValueError):
    """The template file does not hold valid plan and policy templates."""


@dataclass(frozen=True)
class Section:
    key: str
    title: dict[str, str]
    text: dict[str, str]

    @property
    def heading(self) -> str:
        return pick(self.title)

    def text_in(self, language: str | None = None) -> str:
        return pick(self.text, language)


@dataclass(frozen=True)
class Template:
    kind: str
    title: dict[str, str]
    basis: str
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


@dataclass(frozen=True)
class Templates:
    order_version_date: date
    order_version_reference: str
    plan: Template
    policy: Template

    def of(self, kind: str) -> Template:
        return self.plan if kind == DocumentKind.PLAN else self.policy


def _texts(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(str(raw.get(c, "")).strip() for c in LANGUAGE_CODES):
        raise TemplateDataError(f"{where}: a text in kk, ru and en is required")
    return {code: str(raw[code]).strip() for code in LANGUAGE_CODES}


@cache
def templates(path: Path | None = None) -> Templates:
    """The plan and policy templates and the current Order version's date, checked whole:
    every section has a unique key and its title and text in kk, ru and en."""
    try:
        data = json.loads((path or DATA_FILE).read_text(encoding="utf-8"))
        order = data["order_version"]
        order_date = date.fromisoformat(order["date"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise TemplateDataError(f"cannot read the templates: {error}") from error
    built = {}
    for kind in DocumentKind.values:
        raw = data.get(kind) or {}
        sections = []
        seen: set[str] = set()
        for entry in raw.get("sections") or []:
            key = str(entry.get("key", ""))
            if not key.isidentifier() or key in seen:
                raise TemplateDataError(f"{kind}: a section key missing or repeated: {key!r}")
            seen.add(key)
            where = f"{kind}.{key}"
            sections.append(
                Section(key, _texts(entry.get("title"), where), _texts(entry.get("text"), where))
            )
        if not sections:
            raise TemplateDataError(f"{kind}: the template has no sections")
        built[kind] = Template(
            kind=kind,
            title=_texts(raw.get("title"), kind),
            basis=str(raw.get("basis", "")),
            sections=tuple(sections),
        )
    return Templates(
        order_version_date=order_date,
        order_version_reference=str(order.get("reference", "")),
        plan=built[DocumentKind.PLAN],
        policy=built[DocumentKind.POLICY],
    )


# --- plans and policies ------------------------------------------------------------------


def policy_is_outdated(adopted_on: date | None, today: date) -> bool:
    """A policy is outdated when it was adopted before the current version of Order No. 506
    (the template file's ``order_version.date``) or more than
    ``PREVENTION_POLICY_MAX_AGE_MONTHS`` months ago (default 36). None: there is none."""
    if adopted_on is None:
        return True
    if adopted_on < templates().order_version_date:
        return True
    return adopted_on < add_months(today, -settings.PREVENTION_POLICY_MAX_AGE_MONTHS)


def _check_period(kind: str, school_year: int | None, adopted_on: date | None) -> None:
    today = timezone.localdate()
    if kind == DocumentKind.PLAN:
        current = school_year_of(today)
        if school_year is None:
            raise InvalidInput.on("school_year", _("Choose the school year of the plan."))
        if not current - 1 <= school_year <= current + 1:
            raise InvalidInput.on(
                "school_year", _("A plan is for the last, the current or the next school year.")
            )
    else:
        if adopted_on is None:
            raise InvalidInput.on("adopted_on", _("Give the date the policy was adopted."))
        if adopted_on > today:
            raise InvalidInput.on("adopted_on", _("The adoption date cannot be in the future."))


def _clean_sections(kind: str, sections: dict[str, str]) -> dict[str, str]:
    template = templates().of(kind)
    cleaned = {}
    for key, text in sections.items():
        if template.section(key) is None:
            raise InvalidInput.on("sections", _("The template has no such section."))
        text = (text or "").strip()
        if len(text) > MAX_SECTION:
            raise InvalidInput.on(f"section_{key}", _("Keep each section under 4,000 characters."))
        cleaned[key] = text
    missing = [s.key for s in template.sections if not cleaned.get(s.key)]
    if missing:
        raise InvalidInput.on(f"section_{missing[0]}", _("Fill in every section of the template."))
    return cleaned


def record_document(
    *,
    actor: User,
    school: Organisation,
    kind: str,
    school_year: int | None = None,
    adopted_on: date | None = None,
    title: str = "",
    document: CheckedFile | None = None,
    sections: dict[str, str] | None = None,
) -> PreventionDocument:
    """A plan or policy of ``school``, uploaded (``document``, already checked by
    ``files.check_upload``) or composed (``sections``), as a draft for the head to approve.

    A school has one plan per school year: a draft for the same year is replaced; an
    approved one is a conflict. Only the school's staff and head record documents."""
    if not access.acts_for(actor, "keep_prevention_documents", school.pk):
        raise NotAllowed(_("Only the school's staff keep its prevention documents."))
    if kind not in DocumentKind.values:
        raise InvalidInput.on("kind", _("Choose a plan or a policy."))
    _check_period(kind, school_year, adopted_on)
    if (document is None) == (sections is None):
        raise InvalidInput.on("document", _("Attach the document or compose it from the template."))
    cleaned = _clean_sections(kind, sections) if sections is not None else {}
    title = (title or "").strip() or pick(templates().of(kind).title)
    if kind == DocumentKind.POLICY:
        school_year = None
    else:
        adopted_on = None
    replaced = None
    if kind == DocumentKind.PLAN:
        existing = (  # no join: PostgreSQL locks no row of a nullable outer join
            PreventionDocument.objects.select_for_update(of=("self",))
            .filter(school=school, kind=kind, school_year=school_year)
            .order_by("pk")
            .first()
        )
        if existing is not None and existing.is_approved:
            raise Conflict(_("The plan for this school year is already approved."))
        replaced = existing
    stored = None
    if document is not None:
        stored = DocumentFile()
        stored.fill_from(document)
        stored.save()
    values = {
        "title": title[:200],
        "source": Source.UPLOADED if stored else Source.COMPOSED,
        "document": stored,
        "sections": cleaned,
        "language": active_language(),
        "adopted_on": adopted_on,
        "created_by": actor,
        "created_at": timezone.now(),
    }
    if replaced is not None:
        old_file = replaced.document
        for name, value in values.items():
            setattr(replaced, name, value)
        replaced.save()
        if old_file is not None:
            old_file.delete()
        saved = replaced
    else:
        saved = PreventionDocument.objects.create(
            school=school, kind=kind, school_year=school_year, **values
        )
    audit.record(
        actor=actor,
        action="prevention.document.replace" if replaced else "prevention.document.create",
        object_type="prevention_document",
        object_id=saved.public_id,
        changes={
            "school": school.code,
            "kind": kind,
            "period": saved.period,
            "source": saved.source,
            "document": stored.sha256 if stored else None,
            "sections": sorted(cleaned),
        },
    )
    return saved


def approve(*, actor: User, document: PreventionDocument) -> PreventionDocument:
    """The school's head approves a draft plan or policy (Order No. 506 p. 3): who and when
    are kept. Nobody else approves, whatever their role."""
    if not access.permits(actor, "approve", document):
        raise NotAllowed(_("Only the school's head approves its prevention documents."))
    current = PreventionDocument.objects.select_for_update().get(pk=document.pk)
    if current.is_approved:
        raise Conflict(_("This document is already approved."))
    now = timezone.now()
    PreventionDocument.objects.filter(pk=current.pk).update(
        status=DocumentStatus.APPROVED, approved_at=now, approved_by=actor
    )
    audit.record(
        actor=actor,
        action="prevention.document.approve",
        object_type="prevention_document",
        object_id=current.public_id,
        changes={"status": [current.status, DocumentStatus.APPROVED]},
    )
    current.refresh_from_db()
    return current


def record_activity(
    *,
    actor: User,
    plan: PreventionDocument,
    held_on: date,
    kind: str,
    audience: str,
    participants: int,
    note: str = "",
) -> Activity:
    """Prevention work held under a plan: within the plan's school year, not in the future."""
    if not access.permits(actor, "edit", plan):
        raise NotAllowed(_("Only the school's staff record its prevention work."))
    if plan.kind != DocumentKind.PLAN or plan.school_year is None:
        raise InvalidInput.on("held_on", _("Activities are recorded against a yearly plan."))
    if kind not in ActivityKind.values:
        raise InvalidInput.on("kind", _("Choose a kind of activity."))
    if audience not in Audience.values:
        raise InvalidInput.on("audience", _("Choose the audience."))
    if participants < 1:
        raise InvalidInput.on("participants", _("At least one participant."))
    if held_on > timezone.localdate():
        raise InvalidInput.on("held_on", _("Record activities once they are held."))
    if school_year_of(held_on) != plan.school_year:
        raise InvalidInput.on("held_on", _("The date is outside the plan's school year."))
    activity = Activity.objects.create(
        plan=plan,
        held_on=held_on,
        kind=kind,
        audience=audience,
        participants=participants,
        note=(note or "").strip()[:300],
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="prevention.activity",
        object_type="prevention_document",
        object_id=plan.public_id,
        changes={"held_on": held_on.isoformat(), "kind": kind, "participants": participants},
    )
    return activity


# --- individual plans (Order No. 506 p. 12) ------------------------------------------------


def decision_taken(case: Case) -> bool:
    """Whether the bullying decision of the case's protocol is recorded (its step done)."""
    return Step.objects.filter(case=case, key=DECISION_STEP, status=Step.Status.DONE).exists()


def _individual_plan_texts(measures: str, responsible: str, review_on: date) -> tuple[str, str]:
    measures = (measures or "").strip()
    responsible = (responsible or "").strip()
    if not measures:
        raise InvalidInput.on("measures", _("Write the measures of the plan."))
    if len(measures) > MAX_MEASURES:
        raise InvalidInput.on("measures", _("Keep the measures under 4,000 characters."))
    if not responsible:
        raise InvalidInput.on("responsible", _("Name the person responsible."))
    if review_on < timezone.localdate():
        raise InvalidInput.on("review_on", _("The review date cannot be in the past."))
    return measures, responsible[:200]


def record_individual_plan(
    *,
    actor: User,
    case: Case,
    party: str,
    measures: str,
    responsible: str,
    review_on: date,
    child_label: str = "",
    for_case_child: bool = False,
) -> IndividualPlan:
    """The individual plan for one child involved in a bullying case, once the decision is
    taken (Order No. 506 p. 12). The case's own child (``for_case_child``) or another child
    named by ``child_label`` (a code or a name). Only the school's staff draw it up."""
    if not access.permits(actor, "plan_individually", case):
        raise NotAllowed(_("Only the school's staff draw up individual plans."))
    if not decision_taken(case):
        raise Conflict(_("The individual plans follow the decision on the bullying."))
    if party not in Party.values:
        raise InvalidInput.on("party", _("Choose who the plan is for."))
    measures, responsible = _individual_plan_texts(measures, responsible, review_on)
    child: Child | None = None
    child_label = (child_label or "").strip()
    if for_case_child:
        if case.child_id is None:
            raise InvalidInput.on("for_case_child", _("The case has no child recorded."))
        child = case.child
        child_label = ""
    elif not child_label:
        raise InvalidInput.on("child_label", _("Name the child (a code or a name)."))
    now = timezone.now()
    plan = IndividualPlan.objects.create(
        case=case,
        child=child,
        party=party,
        child_label=child_label[:200],
        measures=measures,
        responsible=responsible,
        review_on=review_on,
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
    )
    audit.record(
        actor=actor,
        action="prevention.individual_plan.create",
        object_type="case",
        object_id=case.number,
        changes={
            "plan": str(plan.public_id),
            "party": party,
            "child": child.code if child else audit.sealed(child_label),
            "measures": audit.sealed(measures),
            "responsible": responsible,
            "review_on": review_on.isoformat(),
        },
    )
    return plan


def change_individual_plan(
    *, actor: User, plan: IndividualPlan, measures: str, responsible: str, review_on: date
) -> IndividualPlan:
    """Change the measures, the person responsible or the review date of a plan."""
    if not access.permits(actor, "edit", plan):
        raise NotAllowed(_("Only the school's staff change individual plans."))
    measures, responsible = _individual_plan_texts(measures, responsible, review_on)
    current = IndividualPlan.objects.select_for_update().get(pk=plan.pk)
    changes: dict[str, Any] = {"plan": str(current.public_id)}
    if measures != current.measures:
        changes["measures"] = [audit.sealed(current.measures), audit.sealed(measures)]
    if responsible != current.responsible:
        changes["responsible"] = [current.responsible, responsible]
    if review_on != current.review_on:
        changes["review_on"] = [current.review_on.isoformat(), review_on.isoformat()]
    if len(changes) == 1:
        raise InvalidInput.on("measures", _("Nothing changed."))
    current.measures = measures
    current.responsible = responsible
    current.review_on = review_on
    current.updated_at = timezone.now()
    current.updated_by = actor
    current.save()
    audit.record(
        actor=actor,
        action="prevention.individual_plan.change",
        object_type="case",
        object_id=current.case.number,
        changes=changes,
    )
    return current


#: The entry points of the pages and the API.
save_document = entry_point(record_document)
approve_document = entry_point(approve)
add_activity = entry_point(record_activity)
add_individual_plan = entry_point(record_individual_plan)
update_individual_plan = entry_point(change_individual_plan)
