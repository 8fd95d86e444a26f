"""The demo's people: one published login per role, and the staff every region's and
school's cases need (a police officer on duty everywhere, a coordinator in every school)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import translation

from qamqor.accounts.models import Membership, Role, User
from qamqor.demo.world import (
    DEMO_CODE_PREFIX,
    DEMO_EMAIL_DOMAIN,
    DEMO_REGION,
    DemoWorld,
    region_slug,
)
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.notify.models import Notification

DEMO_PASSWORD = "qamqor-demo-2026"  # noqa: S105  published on purpose: demo logins only

# One login per role (user name, role), all in Almaty city (KZ-75): its first demo school,
# that region's bodies, and the national bodies. The user name is the role's code.
DEMO_LOGINS: tuple[tuple[str, Role], ...] = tuple((role.value, role) for role in Role)

_DEMO_LOGIN_PLACES: dict[Role, str] = {
    Role.SCHOOL_COORDINATOR: "school",
    Role.SCHOOL_PSYCHOLOGIST: "school",
    Role.SCHOOL_HEAD: "school",
    Role.PSC_PSYCHOLOGIST: OrganisationKind.PSC,
    Role.PSC_HEAD: OrganisationKind.PSC,
    Role.OPERATOR_111: OrganisationKind.HELPLINE,
    Role.POLICE_INSPECTOR: OrganisationKind.JUVENILE_POLICE,
    Role.GUARDIANSHIP_OFFICER: OrganisationKind.GUARDIANSHIP,
    Role.HEALTH_WORKER: OrganisationKind.CLINIC,
    Role.REGIONAL_COORDINATOR: OrganisationKind.EDUCATION_DEPARTMENT,
    Role.NATIONAL_COORDINATOR: OrganisationKind.COORDINATING_BODY,
    Role.MONITOR: OrganisationKind.MONITORING_BODY,
}

# Outside the demo region, each region's bodies get one member each (user name prefix).
_REGIONAL_STAFF = (
    (OrganisationKind.JUVENILE_POLICE, Role.POLICE_INSPECTOR, "juvenile-police"),
    (OrganisationKind.GUARDIANSHIP, Role.GUARDIANSHIP_OFFICER, "guardianship"),
    (OrganisationKind.CLINIC, Role.HEALTH_WORKER, "clinic"),
)
_INTERVIEWERS = frozenset({Role.PSC_PSYCHOLOGIST, Role.POLICE_INSPECTOR})  # brief 1.2.4


def build_people(world: DemoWorld) -> None:
    """A demo login per role, and the staff every region's and school's cases need."""
    password = make_password(DEMO_PASSWORD)  # hashed once: bulk users share it
    wanted: list[tuple[User, Organisation, Role]] = []

    def member(user: User, org: Organisation, role: Role) -> None:
        user.password = password
        user.interview_qualified = role in _INTERVIEWERS
        wanted.append((user, org, role))

    demo_school = world.schools[0]
    for username, role in DEMO_LOGINS:
        with translation.override("en"):
            label = str(role.label)
        place = _DEMO_LOGIN_PLACES[role]
        if place == "school":
            org = demo_school
        else:
            org = world.bodies.get((DEMO_REGION, place)) or world.bodies[(None, place)]
        member(
            User(username=username, first_name="Demo", last_name=f"{label} (synthetic)"), org, role
        )

    def staff(username: str, org: Organisation, role: Role) -> None:
        first, last = world.person()
        language = world.rng.choice(("kk", "ru", "ru"))
        member(
            User(username=username, first_name=first, last_name=last, preferred_language=language),
            org,
            role,
        )

    for code in world.regions:
        slug = region_slug(code)
        # every region's police duty unit has an officer on duty (protocol steps in hours)
        staff(
            f"police-duty-{slug}",
            world.bodies[(code, OrganisationKind.POLICE_DUTY)],
            Role.POLICE_INSPECTOR,
        )
        if code == DEMO_REGION:
            continue  # the demo logins are this region's other staff
        for kind, role, name in _REGIONAL_STAFF:
            staff(f"{name}-{slug}", world.bodies[(code, kind)], role)
        staff(
            f"regional-coordinator-{slug}",
            world.bodies[(code, OrganisationKind.EDUCATION_DEPARTMENT)],
            Role.REGIONAL_COORDINATOR,
        )
        psc = world.bodies[(code, OrganisationKind.PSC)]
        staff(f"psc-head-{slug}", psc, Role.PSC_HEAD)
        staff(f"psc-psychologist-{slug}", psc, Role.PSC_PSYCHOLOGIST)
    for branch in world.organisations:
        if branch.kind == OrganisationKind.PSC_BRANCH:
            slug = branch.code.removeprefix("demo-").replace("-psc-", "-")  # kz35-b1
            staff(f"psc-psychologist-{slug}", branch, Role.PSC_PSYCHOLOGIST)
    for school in world.schools[1:]:
        staff(school.code.removeprefix("demo-") + "-coordinator", school, Role.SCHOOL_COORDINATOR)
    User.objects.bulk_create([user for user, _, _ in wanted])
    Membership.objects.bulk_create(
        Membership(user=user, organisation=org, role=role) for user, org, role in wanted
    )
    for user, org, role in wanted:
        world.user_ids.append(user.pk)
        if role != Role.SCHOOL_HEAD:  # the head approves documents; the staff work the cases
            world.members[org.pk].append(user)
        if role == Role.SCHOOL_COORDINATOR:
            world.school_coordinator[org.pk] = user
        elif role == Role.REGIONAL_COORDINATOR and org.region_id:
            world.regional_coordinator[org.region_id] = user
    world.summary.users = len(wanted)


def fill_in_email_addresses(world: DemoWorld) -> None:
    """Institutional and personal addresses, given only at the end of the run.

    Had they existed while the cases were built, every step and closure of the last 90
    days would now sit in the outbox as mail to the undeliverable ``.invalid`` domain;
    the in-app notifications, which the demo shows, were written all the same.
    """
    Organisation.objects.filter(code__startswith=DEMO_CODE_PREFIX).update(
        email=Concat(F("code"), Value(f"@{DEMO_EMAIL_DOMAIN}"))
    )
    User.objects.filter(pk__in=world.user_ids).update(
        email=Concat(F("username"), Value(f"@{DEMO_EMAIL_DOMAIN}"))
    )


UNREAD_AT_MOST = 25  # per person: what a working week leaves unread, not months of it
UNREAD_FOR_DAYS = 10


def read_older_notifications(world: DemoWorld) -> None:
    """The staff have read their older in-app notifications, as people who use Qamqor do.

    Each keeps unread only the newest of the last ``UNREAD_FOR_DAYS`` days, at most
    ``UNREAD_AT_MOST``; the rest were read an hour to two days after they came. Without
    this, a demo login would open the notifications page on 200 unread, three months'
    worth (no random draw: the rest of the demo is the same).
    """
    latest = world.now - timedelta(minutes=1)
    recent = world.now - timedelta(days=UNREAD_FOR_DAYS)
    kept: Counter[int] = Counter()
    read: list[Notification] = []
    for pk, recipient, created_at in (
        Notification.objects.filter(
            channel=Notification.Channel.IN_APP,
            recipient_id__in=world.user_ids,
            read_at__isnull=True,
        )
        .order_by("recipient_id", "-created_at", "-pk")
        .values_list("pk", "recipient_id", "created_at")
    ):
        if created_at >= recent and kept[recipient] < UNREAD_AT_MOST:
            kept[recipient] += 1
            continue
        moment = min(created_at + timedelta(hours=1 + pk % 47), max(created_at, latest))
        read.append(Notification(pk=pk, read_at=moment))
    Notification.objects.bulk_update(read, ["read_at"], batch_size=500)
