"""Five years of cases, month by month: the child, the case, its forms, its protocol run and
every step, its timeline's opening and closing, and for about a quarter a referral to the
region's PSC with the share it rests on, the parent's consent and the consultations.

Rows are what the services write (``cases.services.register_case``, the protocol engine,
``referrals`` and ``care``), built without them: the protocol and its needed steps come
from the published definitions (``protocol_for_classification``, each step's ``when``),
deadlines from the engine's ``deadline`` (working days and holidays), case numbers from
per-region, per-year sequences continued by the counters afterwards. Each month is
written and committed on its own, so memory stays flat at any scale.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from qamqor.care.models import CareClient, ChildShare, ConsentRecord, Consultation
from qamqor.cases.models import Case, CaseEvent, CaseNumberCounter, CaseViolenceForm, Child
from qamqor.classification import Outcome
from qamqor.demo.national.directory import NationalWorld, scaled
from qamqor.demo.national.rows import RowWriter, Table, next_id
from qamqor.directory.models import OrganisationKind
from qamqor.ops.fields import encrypt
from qamqor.protocols import services as protocol_services
from qamqor.protocols.definitions import any_holds, facts_of
from qamqor.protocols.models import ProtocolRun, Step
from qamqor.protocols.workdays import deadline
from qamqor.referrals.models import Referral

CASES_PER_YEAR = 200_000  # 1,000,000 over five years at scale 1
REFERRED_SHARE = 0.25  # cases referred to the PSC
LATE_SHARE = 0.12  # steps completed after their deadline
STUCK_SHARE = 0.02  # recent cases with a step left open past its deadline
STUCK_DAYS = 120
SUMMARY = "Synthetic national case: no real child, generated for scale tests."
REASON = "Synthetic national referral: no real child."
FEEDBACK = "Synthetic feedback: support given."
TOPIC = "Synthetic consultation topic"

# (weight, classification): the mix of the national figures, by protocol
CLASSIFICATIONS: tuple[tuple[int, dict[str, Any]], ...] = (
    (30, {"setting": "school", "forms": ["bullying"], "risk_level": "medium",
          "perpetrator_relationship": "schoolmate", "repeated": True}),
    (14, {"setting": "online", "forms": ["cyberbullying"], "risk_level": "medium",
          "perpetrator_relationship": "schoolmate", "repeated": False}),
    (10, {"setting": "school", "forms": ["physical", "bullying"], "risk_level": "high",
          "perpetrator_relationship": "schoolmate", "repeated": True}),
    (15, {"setting": "family", "forms": ["physical"], "risk_level": "high",
          "perpetrator_relationship": "primary_caregiver", "repeated": True}),
    (8, {"setting": "family", "forms": ["psychological_emotional"], "risk_level": "medium",
         "perpetrator_relationship": "primary_caregiver", "repeated": None}),
    (5, {"setting": "community", "forms": ["sexual"], "risk_level": "high",
         "perpetrator_relationship": "other_adult_known", "repeated": False}),
    (7, {"setting": "school", "forms": ["psychological_emotional"], "risk_level": "high",
         "perpetrator_relationship": "unknown", "self_harm_risk": True, "repeated": None}),
    (6, {"setting": "school", "forms": ["psychological_emotional"], "risk_level": "medium",
         "perpetrator_relationship": "teacher_school_official", "repeated": True}),
    (3, {"setting": "school", "forms": ["bullying"], "risk_level": "immediate",
         "perpetrator_relationship": "schoolmate", "in_danger_now": True, "repeated": True}),
    (2, {"setting": "family", "forms": ["neglect"], "risk_level": "low",
         "perpetrator_relationship": "primary_caregiver", "repeated": None}),
)  # fmt: skip
CONCERNS = {
    "bullying": "bullying",
    "cyberbullying": "cyberbullying",
    "physical": "violence",
    "sexual": "sexual_violence",
    "psychological_emotional": "emotional",
    "neglect": "family_conflict",
}
OUTCOMES = ((Outcome.RIGHTS_RESTORED, 60), (Outcome.REFERRED, 20), (Outcome.NOT_CONFIRMED, 15))


@dataclass(frozen=True)
class StepPlan:
    """One step of a protocol for one kind of case: ``role`` None when it is skipped."""

    key: str
    position: int
    role: str | None
    after: tuple[str, ...]
    working_days: int | None
    hours: int | None
    months: int | None
    anchor: str
    output: str  # the encrypted output a completed step holds (one token per step key)


@dataclass(frozen=True)
class Template:
    """A kind of case: its classification, protocol version and step plans."""

    classification: dict[str, Any]
    protocol_id: int
    national_after: timedelta
    steps: tuple[StepPlan, ...]
    concern: str


def templates() -> tuple[list[Template], list[int]]:
    """The kinds of case with a published protocol, and their weights."""
    chosen: list[Template] = []
    weights: list[int] = []
    empty = encrypt_json({})
    for weight, classification in CLASSIFICATIONS:
        full = {"in_danger_now": False, "self_harm_risk": False, **classification}
        try:
            code = protocol_services.protocol_for_classification(full)
        except LookupError:
            continue
        version = protocol_services.published_version(code)
        spec = version.spec
        facts = facts_of(full, list(full["forms"]))
        plans = []
        for position, step in enumerate(spec.steps, start=1):
            needed = any_holds(step.when, facts)
            plans.append(
                StepPlan(
                    key=step.key,
                    position=position,
                    role=step.accountable if needed else None,
                    after=tuple(step.after or ()),
                    working_days=step.deadline.working_days,
                    hours=step.deadline.hours,
                    months=step.deadline.months,
                    anchor=step.deadline.from_,
                    output=empty,
                )
            )
        chosen.append(
            Template(
                classification=full,
                protocol_id=version.pk,
                national_after=timedelta(hours=spec.escalation.national_after_hours),
                steps=tuple(plans),
                concern=CONCERNS.get(full["forms"][0], "other"),
            )
        )
        weights.append(weight)
    return chosen, weights


def encrypt_json(value: object) -> str:
    """An ``EncryptedJSONField`` value as the field writes it, made once and reused."""
    return encrypt(json.dumps(value))


class Deadlines:
    """The engine's deadlines (working days skip weekends and holidays), cached per hour
    of start: a working-day deadline keeps the time of day, so one computation serves
    every start within the same hour."""

    def __init__(self) -> None:
        self.cache: dict[tuple[datetime, int], timedelta] = {}

    def due(self, start: datetime, plan: StepPlan) -> datetime:
        if plan.hours is not None:
            return start + timedelta(hours=plan.hours)
        if plan.months is not None:  # a follow-up review: rare, not cached
            return deadline(start, working_days=None, hours=None, months=plan.months)
        assert plan.working_days is not None  # noqa: S101  a deadline has one of the two
        hour = start.replace(minute=0, second=0, microsecond=0)
        key = (hour, plan.working_days)
        offset = self.cache.get(key)
        if offset is None:
            offset = self.cache[key] = (
                deadline(hour, working_days=plan.working_days, hours=None) - hour
            )
        return start + offset


@dataclass
class CaseTables:
    """The tables a month of cases fills, in the order they are written."""

    writer: RowWriter
    child: Table = field(init=False)
    case: Table = field(init=False)
    form: Table = field(init=False)
    run: Table = field(init=False)
    step: Table = field(init=False)
    event: Table = field(init=False)
    consent: Table = field(init=False)
    client: Table = field(init=False)
    share: Table = field(init=False)
    referral: Table = field(init=False)
    consultation: Table = field(init=False)

    def __post_init__(self) -> None:
        w = self.writer
        self.child = w.table(
            Child,
            ["public_id", "code", "region_id", "school_id", "full_name", "birth_date", "sex",
             "class_label", "created_at", "synthetic"],
            ids=True,
        )  # fmt: skip
        self.case = w.table(
            Case,
            ["number", "region_id", "year", "sequence", "school_id", "received_by_id", "status",
             "setting", "risk_level", "in_danger_now", "repeated", "summary", "child_id",
             "perpetrator_relationship", "self_harm_risk", "child_age", "child_sex",
             "registered_at", "registered_by_id", "closed_at", "closed_by_id", "outcome",
             "outcome_note"],
            ids=True,
        )  # fmt: skip
        self.form = w.table(CaseViolenceForm, ["case_id", "code"])
        self.run = w.table(
            ProtocolRun, ["case_id", "protocol_id", "started_at", "ended_at", "end_reason"],
            ids=True,
        )  # fmt: skip
        self.step = w.table(
            Step,
            ["run_id", "case_id", "key", "position", "organisation_id", "contact_person_id",
             "status", "opened_at", "due_at", "output", "completed_at", "completed_by_id",
             "reminded_at", "escalation_level", "escalated_at"],
        )  # fmt: skip
        self.event = w.table(CaseEvent, ["case_id", "kind", "at", "actor_id", "payload", "note"])
        self.consent = w.table(
            ConsentRecord,
            ["public_id", "child_id", "organisation_id", "giver", "representative_id",
             "giver_name", "child_age", "covers_support", "covers_diagnostics",
             "covers_sharing", "method", "given_at", "valid_until", "recorded_by_id",
             "recorded_at", "withdrawn_at", "withdrawn_by_id", "withdrawal_note"],
            ids=True,
        )  # fmt: skip
        self.client = w.table(CareClient, ["child_id", "organisation_id", "via", "since"])
        self.share = w.table(
            ChildShare,
            ["public_id", "child_id", "case_id", "from_organisation_id", "to_organisation_id",
             "basis", "consent_id", "legal_ground", "reference", "override_reason",
             "shared_by_id", "shared_at", "revoked_at", "revoke_reason"],
            ids=True,
        )  # fmt: skip
        self.referral = w.table(
            Referral,
            ["public_id", "kind", "status", "child_id", "case_id", "from_organisation_id",
             "to_organisation_id", "referred_by_id", "share_id", "concern", "reason",
             "actions_taken", "urgency", "sent_at", "respond_by", "escalation_level",
             "responded_at", "responded_by_id", "decline_reason", "assigned_to_id",
             "completed_at", "feedback", "cancelled_at", "cancel_reason", "channel",
             "requester", "contact", "child_age", "idempotency_key", "school_named_id",
             "school_may_be_told", "school_informed_at"],
        )  # fmt: skip
        self.consultation = w.table(
            Consultation,
            ["public_id", "organisation_id", "psychologist_id", "child_id", "case_id", "format",
             "basis", "consent_id", "crisis_basis_id", "hotline", "topic",
             "participants_count", "participants_note", "held_at", "duration_minutes",
             "notes", "next_steps", "next_appointment_at", "follow_up_done", "recorded_at"],
        )  # fmt: skip


@dataclass
class ChildIndex:
    """Each seeded child's region, school, birth date and sex, for the screenings."""

    first_id: int = 0
    region: list[int] = field(default_factory=list)
    school: list[int] = field(default_factory=list)
    birth: list[int] = field(default_factory=list)  # date ordinals
    sex: list[str] = field(default_factory=list)


@dataclass
class CaseHistory:
    """The run over the months: ids, sequences, counts."""

    world: NationalWorld
    now: datetime
    years: int
    tables: CaseTables
    templates: list[Template]
    weights: list[int]
    ids: dict[str, int]
    sequences: Counter[tuple[int, int]] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)
    children: ChildIndex = field(default_factory=ChildIndex)
    deadlines: Deadlines = field(default_factory=Deadlines)
    local: ZoneInfo = field(default_factory=lambda: ZoneInfo(settings.TIME_ZONE))
    tokens: dict[str, str] = field(default_factory=dict)
    region_codes: dict[int, str] = field(default_factory=dict)

    def take(self, name: str) -> int:
        value = self.ids[name]
        self.ids[name] = value + 1
        return value

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.world.rng.getrandbits(128), version=4)


def months(now: datetime, years: int) -> Iterator[tuple[datetime, datetime]]:
    """The history cut into ``years * 12`` equal slices, oldest first."""
    start = now - timedelta(days=365.25 * years)
    slices = years * 12
    width = (now - start) / slices
    for index in range(slices):
        yield start + width * index, start + width * (index + 1)


def history(world: NationalWorld, *, years: int, now: datetime, progress: Any) -> CaseHistory:
    """Every month's cases written and committed; the counters set after the last."""
    writer = RowWriter()
    tables = CaseTables(writer)
    chosen, weights = templates()
    ids = {
        "child": next_id(Child),
        "case": next_id(Case),
        "run": next_id(ProtocolRun),
        "consent": next_id(ConsentRecord),
        "share": next_id(ChildShare),
    }
    run = CaseHistory(world, now, years, tables, chosen, weights, ids)
    run.children.first_id = ids["child"]
    run.region_codes = {region.pk: region.code for region in world.regions}
    run.tokens = {
        "summary": (encrypt(SUMMARY)),
        "reason": (encrypt(REASON)),
        "feedback": (encrypt(FEEDBACK)),
        "topic": (encrypt(TOPIC)),
    }
    total = scaled(CASES_PER_YEAR * years, world.scale)
    slices = list(months(now, years))
    per_slice = [total // len(slices)] * len(slices)
    for index in range(total - sum(per_slice)):
        per_slice[index] += 1
    for (start, end), count in zip(slices, per_slice, strict=True):
        moments = sorted(start + (end - start) * world.rng.random() for _ in range(count))
        for registered_at in moments:
            _case(run, registered_at)
        writer.flush()
        progress.update(count)
    writer.close()
    _counters(run)
    writer.reset_sequences()
    for name, table in (
        ("cases", tables.case),
        ("steps", tables.step),
        ("referrals", tables.referral),
        ("consultations", tables.consultation),
        ("children", tables.child),
    ):
        run.counts[name] = table.written
    return run


def _counters(run: CaseHistory) -> None:
    """Every region's counter at its last number, so registrations continue after it."""
    existing = {(c.region_id, c.year): c for c in CaseNumberCounter.objects.all()}
    new = []
    for (region, year), last in run.sequences.items():
        counter = existing.get((region, year))
        if counter is None:
            new.append(CaseNumberCounter(region_id=region, year=year, last=last))
        else:
            counter.last = max(counter.last, last)
            counter.save(update_fields=["last"])
    CaseNumberCounter.objects.bulk_create(new)


def _case(run: CaseHistory, registered_at: datetime) -> None:
    rng = run.world.rng
    tables = run.tables
    world = run.world
    template = rng.choices(run.templates, run.weights)[0]
    school, region, _district = rng.choice(world.schools)
    registrar = world.staff[school]  # the school's coordinator, created first
    year = registered_at.astimezone(run.local).year
    run.sequences[(region, year)] += 1
    sequence = run.sequences[(region, year)]
    region_code = run.region_codes[region]
    age = rng.randint(7, 17)
    sex = rng.choice(("boy", "girl"))
    birth = (registered_at - timedelta(days=age * 365 + rng.randint(10, 350))).date()
    child = run.take("child")
    tables.child.add(
        (child, run.uuid(), f"NAT-{child:09d}", region, school, "", birth, sex, "",
         registered_at, True)
    )  # fmt: skip
    run.children.region.append(region)
    run.children.school.append(school)
    run.children.birth.append(birth.toordinal())
    run.children.sex.append(sex)
    case = run.take("case")
    steps, last_done = _steps(run, template, case, school, region, registered_at)
    finished = all(status in ("done", "skipped") for status in steps)
    closed_at = None
    if finished:
        closed_at = last_done + timedelta(hours=1 + 72 * rng.random())
        if closed_at > run.now:
            closed_at = None
    status = (
        Case.Status.CLOSED
        if closed_at
        else (Case.Status.IN_PROGRESS if "done" in steps else Case.Status.REGISTERED)
    )
    c = template.classification
    outcome = (
        rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0] if closed_at else ""
    )
    tables.case.add(
        (case, Case.format_number(region_code, year, sequence), region, year, sequence, school,
         school, status, c["setting"], c["risk_level"], c["in_danger_now"], c["repeated"],
         run.tokens["summary"], child, c["perpetrator_relationship"], c["self_harm_risk"], age,
         sex, registered_at, registrar, closed_at, registrar if closed_at else None, outcome, "")
    )  # fmt: skip
    for code in sorted(set(c["forms"])):
        tables.form.add((case, code))
    tables.event.add((case, CaseEvent.Kind.REGISTERED, registered_at, registrar,
                      '{"synthetic": true}', ""))  # fmt: skip
    if closed_at:
        tables.event.add((case, CaseEvent.Kind.CLOSED, closed_at, registrar,
                          json.dumps({"outcome": outcome}), ""))  # fmt: skip
    run.counts[status] += 1
    if rng.random() < REFERRED_SHARE:
        _referral(run, template, case, child, school, region, registered_at, age, closed_at)


def _organisation(run: CaseHistory, role: str, school: int, region: int) -> int:
    if role == "school":
        return school
    kind = protocol_services.ORGANISATION_KINDS[role]
    if kind == OrganisationKind.HELPLINE:
        return run.world.bodies[(None, kind)]
    return run.world.bodies[(region, kind)]


def _steps(
    run: CaseHistory,
    template: Template,
    case: int,
    school: int,
    region: int,
    registered_at: datetime,
) -> tuple[list[str], datetime]:
    """The case's steps as the engine leaves them by now: done on time or late, open
    (some past their deadline, escalated as the sweep would have), waiting, skipped."""
    rng = run.world.rng
    now = run.now
    world = run.world
    run_id = run.take("run")
    run.tables.run.add((run_id, case, template.protocol_id, registered_at, None, ""))
    stuck = now - registered_at < timedelta(days=STUCK_DAYS) and rng.random() < STUCK_SHARE
    finished_at: dict[str, datetime] = {}
    statuses: list[str] = []
    last = registered_at
    for plan in template.steps:
        if plan.role is None:
            run.tables.step.add(
                (run_id, case, plan.key, plan.position, school, None, "skipped", None, None,
                 plan.output, None, None, None, 0, None)
            )  # fmt: skip
            finished_at[plan.key] = registered_at
            statuses.append("skipped")
            continue
        organisation = _organisation(run, plan.role, school, region)
        contact = world.contact.get(organisation)
        if any(key not in finished_at for key in plan.after):
            run.tables.step.add(
                (run_id, case, plan.key, plan.position, organisation, contact, "waiting",
                 None, None, plan.output, None, None, None, 0, None)
            )  # fmt: skip
            statuses.append("waiting")
            continue
        opened = max([finished_at[key] for key in plan.after], default=registered_at)
        start = opened if plan.anchor == "opened" else registered_at
        due = run.deadlines.due(start, plan)
        room = max(due - opened, timedelta(minutes=30))
        if rng.random() < LATE_SHARE:
            completed = due + timedelta(hours=1 + 96 * rng.random())
        else:
            completed = opened + room * (0.05 + 0.9 * rng.random())
        if completed > now or (stuck and "open" not in statuses):
            level, escalated = 0, None
            if due < now:
                level, escalated = 1, due + timedelta(minutes=5)
                if due + template.national_after < now:
                    level, escalated = 2, due + template.national_after + timedelta(minutes=5)
            reminded = due - timedelta(hours=1) if due - timedelta(hours=1) < now else None
            run.tables.step.add(
                (run_id, case, plan.key, plan.position, organisation, contact, "open", opened,
                 due, plan.output, None, None, reminded, level, escalated)
            )  # fmt: skip
            statuses.append("open")
            run.counts["open_steps"] += 1
            run.counts["overdue_steps"] += due < now
            continue
        run.tables.step.add(
            (run_id, case, plan.key, plan.position, organisation, contact, "done", opened, due,
             plan.output, completed, world.staff.get(organisation), None, 0, None)
        )  # fmt: skip
        finished_at[plan.key] = completed
        last = max(last, completed)
        statuses.append("done")
        run.counts["late_steps"] += completed > due
    return statuses, last


def _referral(
    run: CaseHistory,
    template: Template,
    case: int,
    child: int,
    school: int,
    region: int,
    registered_at: datetime,
    age: int,
    closed_at: datetime | None,
) -> None:
    """School → PSC: the share on the protocol's legal ground, the referral, and for an
    accepted one the parent's consent, the PSC's care record and the consultations."""
    rng = run.world.rng
    world = run.world
    tables = run.tables
    now = run.now
    places = [world.bodies[(region, OrganisationKind.PSC)], *world.branches[region]]
    to = rng.choice(places)
    psychologist = rng.choice(world.psc_psychologists[region])
    coordinator = world.staff[school]
    sent = registered_at + timedelta(hours=2 + 46 * rng.random())
    if sent > now:
        return
    share = run.take("share")
    tables.share.add(
        (share, run.uuid(), child, case, school, to, "legal_basis", None, "protocol_requires",
         "", "", coordinator, sent, None, "")
    )  # fmt: skip
    respond_by = sent + timedelta(days=3)
    answered = sent + timedelta(hours=1 + 60 * rng.random())
    status = "sent"
    responded_at = responded_by = assigned = completed_at = cancelled_at = None
    decline = feedback = ""
    if answered < now:
        draw = rng.random()
        responded_at, responded_by = answered, psychologist
        if draw < 0.08:
            status, decline = "declined", run.tokens["reason"]
        else:
            status, assigned = "accepted", psychologist
            done = answered + timedelta(days=7 + 40 * rng.random())
            if closed_at is not None and done < now:
                status, completed_at, feedback = "completed", done, run.tokens["feedback"]
    urgency = (
        "urgent" if template.classification["risk_level"] in ("high", "immediate") else "routine"
    )
    tables.referral.add(
        (run.uuid(), "school_to_psc", status, child, case, school, to, coordinator, share,
         template.concern, run.tokens["reason"], "", urgency, sent, respond_by, 0, responded_at,
         responded_by, decline, assigned, completed_at, feedback, cancelled_at, "", "", "", "",
         age, None, None, False, None)
    )  # fmt: skip
    if status not in ("accepted", "completed"):
        return
    assert responded_at is not None  # noqa: S101  an accepted referral was answered
    consent = run.take("consent")
    tables.consent.add(
        (consent, run.uuid(), child, to, "legal_representative", None, "", age, True, False,
         False, "signed_in_person", responded_at, None, psychologist, responded_at, None, None,
         "")
    )  # fmt: skip
    tables.client.add((child, to, "own_record", responded_at))
    held = responded_at
    for _ in range(rng.randint(1, 4)):
        held = held + timedelta(days=2 + 10 * rng.random())
        if held > now or (completed_at is not None and held > completed_at):
            break
        tables.consultation.add(
            (run.uuid(), to, psychologist, child, case, rng.choice(("in_person", "online")),
             "consent", consent, None, False, run.tokens["topic"], 1, "", held,
             rng.choice((30, 45, 60)), "", "", None, True, held)
        )  # fmt: skip
