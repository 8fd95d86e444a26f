"""The weekly work log by activity and the schools' pupil counts, the base of the workload
report and its norms (brief 1.5.4, 2.3.1)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from qamqor.accounts import access, policy
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.care.models import (
    MAX_HOURS_PER_CATEGORY,
    MAX_HOURS_PER_WEEK,
    SchoolEnrolment,
    WorkCategory,
    WorkEntry,
    WorkWeek,
)
from qamqor.care.services.common import local_today, week_start
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import FieldProblem, InvalidInput, NotAllowed
from qamqor.units import entry_point


def plural_number(amount: Decimal) -> int:
    """The number that picks the plural form for ``amount`` hours in ``ngettext``.

    gettext's plural rules take whole numbers. A fractional amount reads like 2 in our
    languages ("1.5 hours", "1,5 часа", "1,5 сағат"), so it counts as 2.
    """
    return int(amount) if amount == amount.to_integral_value() else 2


def parse_hours(raw: Mapping[str, Any]) -> dict[str, Decimal]:
    """Hours by category from a form or a request; a bad value is a 422 on its category."""
    hours: dict[str, Decimal] = {}
    problems: list[FieldProblem] = []
    for category in WorkCategory.values:
        value = raw.get(category)
        if value in (None, ""):
            continue
        try:
            amount = Decimal(str(value).replace(",", ".").strip())
        except InvalidOperation:
            problems.append(FieldProblem(category, _("Enter the hours as a number.")))
            continue
        if not amount.is_finite() or amount < 0 or amount > MAX_HOURS_PER_CATEGORY:
            problems.append(
                FieldProblem(
                    category,
                    ngettext(
                        "Enter 0 to %(max)s hour.",
                        "Enter 0 to %(max)s hours.",
                        plural_number(MAX_HOURS_PER_CATEGORY),
                    )
                    % {"max": MAX_HOURS_PER_CATEGORY},
                )
            )
        elif (amount * 4) % 1:
            problems.append(FieldProblem(category, _("Use quarters of an hour (0.25).")))
        else:
            hours[category] = amount
    unknown = sorted(set(raw) - set(WorkCategory.values))
    for name in unknown:
        problems.append(FieldProblem(name, _("Unknown category.")))
    if problems:
        raise InvalidInput(_("The hours are not valid."), problems)
    return hours


@entry_point
def save_work_week(
    *,
    actor: User,
    organisation: Organisation,
    week: date,
    hours: Mapping[str, Decimal],
    note: str = "",
) -> WorkWeek:
    """Save one week of the work log in one go: every category at once (1.5.4, 2.3.1)."""
    if not access.acts_for(actor, "give_care", organisation.pk):
        raise NotAllowed(_("The work log is kept by the psychologists of this organisation."))
    if week.weekday() != 0:
        raise InvalidInput.on("week", _("A week starts on Monday."))
    if week > week_start(local_today()):
        raise InvalidInput.on("week", _("This week has not started yet."))
    total = sum(hours.values(), Decimal(0))
    if total > MAX_HOURS_PER_WEEK:
        raise InvalidInput.on(
            "total",
            ngettext(
                "%(total)s hour is more than a week can hold (%(max)s at most).",
                "%(total)s hours is more than a week can hold (%(max)s at most).",
                plural_number(total),
            )
            % {"total": total, "max": MAX_HOURS_PER_WEEK},
        )
    now = timezone.now()
    work_week, created = WorkWeek.objects.get_or_create(
        user=actor,
        organisation=organisation,
        week_start=week,
        defaults={"note": note.strip(), "submitted_at": now, "updated_at": now},
    )
    if not created:
        WorkWeek.objects.filter(pk=work_week.pk).update(note=note.strip(), updated_at=now)
        work_week.refresh_from_db()
    WorkEntry.objects.filter(week=work_week).delete()
    WorkEntry.objects.bulk_create(
        WorkEntry(week=work_week, category=category, hours=amount)
        for category, amount in hours.items()
        if amount > 0
    )
    audit.record(
        actor=actor,
        action="worklog.save",
        object_type="work_week",
        object_id=f"{actor.pk}:{organisation.code}:{week.isoformat()}",
        changes={category: str(amount) for category, amount in hours.items()},
    )
    return work_week


@entry_point
def set_enrolment(
    *, actor: User, school: Organisation, pupils: int, as_of: date | None = None
) -> SchoolEnrolment:
    """Record a school's number of pupils, the base of the 1-per-500 norm."""
    scope = policy.scope_for(actor)
    allowed = (
        scope.national
        or school.pk in scope.coordinated_school_ids
        or (school.region_id is not None and school.region_id in scope.region_ids)
    )
    if not allowed:
        raise NotAllowed(_("The school coordinator or a coordinator records the pupil count."))
    if school.kind != OrganisationKind.SCHOOL:
        raise InvalidInput.on("school", _("Choose a school."))
    if not 0 <= pupils <= 20000:
        raise InvalidInput.on("pupils", _("Enter 0 to 20,000 pupils."))
    enrolment, _created = SchoolEnrolment.objects.update_or_create(
        school=school,
        defaults={"pupils": pupils, "as_of": as_of or local_today(), "recorded_by": actor},
    )
    audit.record(
        actor=actor,
        action="enrolment.set",
        object_type="organisation",
        object_id=school.code,
        changes={"pupils": pupils},
    )
    return enrolment
