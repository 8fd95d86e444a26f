"""Prevention plans and policies in the demo (docs/prevention.md): synthetic schools of the
demo region with an approved plan and a current policy, with an outdated policy, with a
draft plan only, or with nothing, so the coordinators' coverage page has every case; the
demo school's head (login ``school_head``) approves its own. Every document says it is
synthetic.

Part of the seed's one transaction, so it calls the plain services the pages' entry points
wrap; it draws nothing from the seeded random source, so the rest of the demo is the same
with or without it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.hashers import make_password

from qamqor.accounts.models import Membership, Role, User
from qamqor.demo.world import DemoRegion
from qamqor.directory.models import Organisation
from qamqor.prevention import services
from qamqor.prevention.models import DocumentKind, school_year_of

SCHOOLS = 16  # of the demo region, after the demo school
NOTE = "Synthetic demo entry."


def _sections(kind: str) -> dict[str, str]:
    template = services.templates().of(kind)
    return {s.key: f"{s.text_in('ru')} ({NOTE})" for s in template.sections}


def _head(school: Organisation) -> User:
    head = User.objects.create(
        username=f"head-{school.code.removeprefix('demo-')}",
        first_name="Demo",
        last_name="school head (synthetic)",
        password=make_password(None),  # no sign-in: only the demo login signs in
    )
    Membership.objects.create(user=head, organisation=school, role=Role.SCHOOL_HEAD)
    return head


def _plan(head: User, school: Organisation, year: int, *, approve: bool, today: date) -> None:
    plan = services.record_document(
        actor=head,
        school=school,
        kind=DocumentKind.PLAN,
        school_year=year,
        title=f"Prevention plan {year}/{(year + 1) % 100:02d} (synthetic)",
        sections=_sections(DocumentKind.PLAN),
    )
    if not approve:
        return
    services.approve(actor=head, document=plan)
    start = date(year, 9, 1)
    for offset, kind, audience, participants in (
        (10, "class_hour", "pupils", 28),
        (40, "parents_meeting", "parents", 41),
        (70, "staff_training", "staff", 19),
    ):
        held = start + timedelta(days=offset)
        if held <= today:
            services.record_activity(
                actor=head,
                plan=plan,
                held_on=held,
                kind=kind,
                audience=audience,
                participants=participants,
                note=NOTE,
            )


def _policy(head: User, school: Organisation, adopted_on: date) -> None:
    policy = services.record_document(
        actor=head,
        school=school,
        kind=DocumentKind.POLICY,
        adopted_on=adopted_on,
        title="Policy on violence and bullying (synthetic)",
        sections=_sections(DocumentKind.POLICY),
    )
    services.approve(actor=head, document=policy)


def plans_and_policies(site: DemoRegion) -> int:
    """Plans and policies for the demo school and some schools of the demo region, in four
    patterns by position; how many schools have any document."""
    year = school_year_of(site.today)
    recent = site.today - timedelta(days=120)
    outdated = date(2023, 5, 15)  # before the Order's current version
    demo_head = site.login[Role.SCHOOL_HEAD]
    _plan(demo_head, site.school, year, approve=True, today=site.today)
    _policy(demo_head, site.school, recent)
    others = [school for school in site.world.schools[1:] if school.region_id == site.region.pk][
        :SCHOOLS
    ]
    for index, school in enumerate(others):
        pattern = index % 4
        if pattern == 0:
            continue  # nothing: shown on the coverage page
        head = _head(school)
        if pattern == 1:
            _plan(head, school, year, approve=True, today=site.today)
            _policy(head, school, recent)
        elif pattern == 2:
            _plan(head, school, year, approve=True, today=site.today)
            _policy(head, school, outdated)
        else:
            _plan(head, school, year, approve=False, today=site.today)
            _policy(head, school, recent)
    return 1 + sum(1 for index in range(len(others)) if index % 4)
