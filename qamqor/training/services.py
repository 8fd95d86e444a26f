"""Changes to training (brief 1.7.2, 1.7.3, 2.3.2-2.3.5): the coordinating body keeps the
catalogue of programmes; a specialist records a planned or completed programme (with its
certificate); a coordinator schedules a PSC's methodological day and records who attended.

Each change writes its audit event in the same transaction. The pages and the API call
the durable entry points at the end of this module; the demo seed, which builds everything
in one transaction, calls the plain functions they wrap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import Membership, Role, User
from qamqor.accounts.policy import scope_for
from qamqor.audit import services as audit
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.files import CheckedFile
from qamqor.training.models import (
    SPECIALIST_ROLES,
    Attendance,
    Certificate,
    Enrolment,
    Format,
    MethodologicalDay,
    Module,
    Programme,
    ProviderKind,
    Topic,
)
from qamqor.units import entry_point

#: The largest certificate scan accepted (a few pages, scanned or photographed).
CERTIFICATE_MAX_BYTES = 5 * 1024 * 1024
MAX_HOURS = 1000
PSC_KINDS = (OrganisationKind.PSC, OrganisationKind.PSC_BRANCH)
PSC_STAFF_ROLES = (Role.PSC_PSYCHOLOGIST, Role.PSC_HEAD)


def local_today() -> date:
    """Today in Kazakhstan (``TIME_ZONE`` is Asia/Almaty)."""
    return timezone.localdate()


# --- the catalogue (2.3.4) -----------------------------------------------------------------


@dataclass(frozen=True)
class ModuleSpec:
    """One module as the forms hand it over."""

    hours: int
    title_kk: str
    title_ru: str
    title_en: str


def _keeper(actor: User) -> None:
    if not access.allows(actor, "training_manage"):
        raise NotAllowed(_("Only the coordinating body keeps the training catalogue."))


def _check_programme(
    *,
    hours: int,
    topics: Sequence[str],
    target_roles: Sequence[str],
    modules: Sequence[ModuleSpec],
    provider_kind: str,
    format: str,
) -> None:
    if provider_kind not in ProviderKind.values:
        raise InvalidInput.on("provider_kind", _("Choose the kind of provider."))
    if format not in Format.values:
        raise InvalidInput.on("format", _("Choose the format."))
    if not 1 <= hours <= MAX_HOURS:
        raise InvalidInput.on("hours", _("Give the hours: from 1 to 1,000."))
    if not topics or any(topic not in Topic.values for topic in topics):
        raise InvalidInput.on("topics", _("Choose at least one topic."))
    if not target_roles or any(role not in SPECIALIST_ROLES for role in target_roles):
        raise InvalidInput.on("target_roles", _("Choose at least one role it is meant for."))
    if modules and sum(module.hours for module in modules) != hours:
        raise InvalidInput.on(
            "modules", _("The modules' hours must add up to the programme's hours.")
        )


def _replace_modules(programme: Programme, modules: Sequence[ModuleSpec]) -> None:
    programme.modules.all().delete()
    Module.objects.bulk_create(
        Module(
            programme=programme,
            position=position,
            hours=module.hours,
            title_kk=module.title_kk,
            title_ru=module.title_ru,
            title_en=module.title_en,
        )
        for position, module in enumerate(modules, start=1)
    )


PROGRAMME_FIELDS = (
    "title_kk",
    "title_ru",
    "title_en",
    "description_kk",
    "description_ru",
    "description_en",
    "provider_kind",
    "provider_name",
    "hours",
    "format",
    "topics",
    "target_roles",
)


@transaction.atomic
def create_programme(
    *, actor: User, code: str, modules: Sequence[ModuleSpec] = (), **fields: Any
) -> Programme:
    """Add a programme to the catalogue (brief 2.3.4); its code is fixed for ever."""
    _keeper(actor)
    _check_programme(modules=modules, **_checked(fields))
    if Programme.objects.filter(code=code).exists():
        raise InvalidInput.on("code", _("A programme with this code exists."))
    values = {name: fields[name] for name in PROGRAMME_FIELDS if name in fields}
    programme = Programme.objects.create(code=code, **values)
    _replace_modules(programme, modules)
    audit.record(
        actor=actor,
        action="training.programme.create",
        object_type="training_programme",
        object_id=programme.code,
        changes={"hours": programme.hours, "modules": len(modules)},
    )
    return programme


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        name: fields.get(name, default)
        for name, default in (
            ("hours", 0),
            ("topics", []),
            ("target_roles", []),
            ("provider_kind", ""),
            ("format", ""),
        )
    }


@transaction.atomic
def update_programme(
    *, actor: User, programme: Programme, modules: Sequence[ModuleSpec] = (), **fields: Any
) -> Programme:
    """Change a programme's texts, provider, hours, format, topics, roles and modules.
    Completed enrolments keep the hours they were counted for."""
    _keeper(actor)
    current = Programme.objects.select_for_update().get(pk=programme.pk)
    if current.retired:
        raise Conflict(_("This programme is retired; it can no longer be changed."))
    _check_programme(modules=modules, **_checked(fields))
    values = {name: fields[name] for name in PROGRAMME_FIELDS if name in fields}
    changed = sorted(name for name, value in values.items() if getattr(current, name) != value)
    Programme.objects.filter(pk=current.pk).update(updated_at=timezone.now(), **values)
    _replace_modules(current, modules)
    audit.record(
        actor=actor,
        action="training.programme.update",
        object_type="training_programme",
        object_id=current.code,
        changes={"fields": changed, "modules": len(modules)},
    )
    current.refresh_from_db()
    return current


@transaction.atomic
def retire_programme(*, actor: User, programme: Programme) -> Programme:
    """Take a programme out of the catalogue; the records that hold it keep it."""
    _keeper(actor)
    current = Programme.objects.select_for_update().get(pk=programme.pk)
    if current.retired:
        raise Conflict(_("This programme is already retired."))
    now = timezone.now()
    Programme.objects.filter(pk=current.pk).update(retired_at=now, updated_at=now)
    audit.record(
        actor=actor,
        action="training.programme.retire",
        object_type="training_programme",
        object_id=current.code,
    )
    current.refresh_from_db()
    return current


# --- a specialist's record (2.3.2) -----------------------------------------------------------


@transaction.atomic
def record_enrolment(
    *,
    actor: User,
    programme: Programme,
    status: str,
    planned_for: date | None = None,
    completed_on: date | None = None,
    certificate: CheckedFile | None = None,
) -> Enrolment:
    """Add a programme to one's own record: planned, or completed on a date (not in the
    future), with its certificate. A completed alternative course needs its certificate,
    since recognising it is what makes it count (brief 1.7.2). Completing a programme one
    had planned completes that enrolment instead of adding a second."""
    if not access.allows(actor, "training_own"):
        raise NotAllowed(_("Only specialists keep a training record."))
    if status == Enrolment.Status.PLANNED:
        if programme.retired:
            raise InvalidInput.on("programme", _("This programme is retired."))
        if certificate is not None or completed_on is not None:
            raise InvalidInput.on(
                "completed_on", _("A planned programme has no completion date or certificate.")
            )
        enrolment = Enrolment.objects.create(
            specialist=actor, programme=programme, status=status, planned_for=planned_for
        )
        action = "training.enrolment.plan"
    elif status == Enrolment.Status.COMPLETED:
        if completed_on is None:
            raise InvalidInput.on("completed_on", _("Give the date it was completed."))
        if completed_on > local_today():
            raise InvalidInput.on("completed_on", _("The date cannot be in the future."))
        if certificate is None and programme.provider_kind == ProviderKind.ALTERNATIVE:
            raise InvalidInput.on(
                "certificate", _("Attach the certificate: an alternative course counts with it.")
            )
        stored = None
        if certificate is not None:
            stored = Certificate()
            stored.fill_from(certificate)
            stored.save()
        planned = (
            Enrolment.objects.select_for_update()
            .filter(specialist=actor, programme=programme, status=Enrolment.Status.PLANNED)
            .order_by("pk")
            .first()
        )
        enrolment = planned or Enrolment(specialist=actor, programme=programme)
        enrolment.status = Enrolment.Status.COMPLETED
        enrolment.completed_on = completed_on
        enrolment.hours = programme.hours
        enrolment.certificate = stored
        enrolment.save()
        action = "training.enrolment.complete"
    else:
        raise InvalidInput.on("status", _("Choose planned or completed."))
    audit.record(
        actor=actor,
        action=action,
        object_type="training_enrolment",
        object_id=enrolment.public_id,
        changes={
            "programme": programme.code,
            "completed_on": completed_on.isoformat() if completed_on else None,
            "certificate": enrolment.certificate.sha256 if enrolment.certificate else None,
        },
    )
    return enrolment


# --- methodological days of PSC staff (2.3.5) ------------------------------------------------


def psc_choices(actor: User) -> Any:
    """The PSCs and branches the actor schedules days for: their regions' (every one for
    the national coordinator)."""
    scope = scope_for(actor)
    pscs = Organisation.objects.filter(kind__in=PSC_KINDS)
    if scope.national:
        return pscs
    return pscs.filter(region_id__in=scope.region_ids)


@transaction.atomic
def schedule_day(
    *,
    actor: User,
    psc: Organisation,
    held_on: date,
    topic: str,
    programme: Programme | None = None,
    note: str = "",
) -> MethodologicalDay:
    """Schedule a PSC's methodological day (brief 2.3.5)."""
    if psc.kind not in PSC_KINDS:
        raise InvalidInput.on("psc", _("Choose a PSC or a PSC branch."))
    probe = MethodologicalDay(psc=psc)
    if not _may_manage(actor, probe):
        raise InvalidInput.on("psc", _("You do not coordinate this PSC's region."))
    if topic not in Topic.values:
        raise InvalidInput.on("topic", _("Choose a topic."))
    if programme is not None and programme.retired:
        raise InvalidInput.on("programme", _("This programme is retired."))
    day = MethodologicalDay.objects.create(
        psc=psc,
        held_on=held_on,
        topic=topic,
        programme=programme,
        note=(note or "").strip(),
        scheduled_by=actor,
    )
    audit.record(
        actor=actor,
        action="training.day.schedule",
        object_type="methodological_day",
        object_id=day.public_id,
        changes={
            "psc": psc.code,
            "held_on": held_on.isoformat(),
            "topic": topic,
            "programme": programme.code if programme else None,
        },
    )
    return day


def _may_manage(actor: User, day: MethodologicalDay) -> bool:
    """Whether ``actor`` coordinates the day's PSC (its region, or nationally)."""
    scope = scope_for(actor)
    return scope.national or day.psc.region_id in scope.region_ids


def psc_staff(psc: Organisation) -> Any:
    """The PSC's staff whose attendance is recorded: active PSC psychologists and heads."""
    return (
        User.objects.filter(
            memberships__organisation=psc,
            memberships__active=True,
            memberships__role__in=PSC_STAFF_ROLES,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


@transaction.atomic
def record_attendance(
    *, actor: User, day: MethodologicalDay, present: Iterable[User]
) -> list[Attendance]:
    """Record who of the PSC's staff attended the day: those in ``present`` attended, the
    rest of the staff did not. Recording again replaces the earlier marks."""
    if not access.permits(actor, "manage", day):
        raise NotAllowed(_("Only the coordinators of this PSC record attendance."))
    if day.held_on > local_today():
        raise InvalidInput.on("present", _("Attendance is recorded on or after the day."))
    staff = list(psc_staff(day.psc))
    staff_ids = {user.pk for user in staff}
    present_ids = {user.pk for user in present}
    if present_ids - staff_ids:
        raise InvalidInput.on("present", _("Only the PSC's staff can be marked."))
    now = timezone.now()
    Attendance.objects.filter(day=day).delete()
    marks = Attendance.objects.bulk_create(
        Attendance(
            day=day,
            specialist=user,
            present=user.pk in present_ids,
            recorded_by=actor,
            recorded_at=now,
        )
        for user in staff
    )
    audit.record(
        actor=actor,
        action="training.day.attendance",
        object_type="methodological_day",
        object_id=day.public_id,
        changes={"present": sorted(present_ids), "staff": len(staff)},
    )
    return marks


def specialist_memberships(user: User) -> Any:
    """The user's active specialist memberships (organisation and role)."""
    return Membership.objects.filter(
        user=user, active=True, role__in=SPECIALIST_ROLES
    ).select_related("organisation")


#: The entry points of the pages and the API.
add_programme = entry_point(create_programme)
change_programme = entry_point(update_programme)
retire = entry_point(retire_programme)
add_enrolment = entry_point(record_enrolment)
schedule = entry_point(schedule_day)
mark_attendance = entry_point(record_attendance)
