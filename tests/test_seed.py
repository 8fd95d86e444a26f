"""The synthetic demo data: every state present, built through the services, and honest."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta

import phonenumbers
import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.test import RequestFactory, override_settings
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from qamqor.accounts.models import Membership, Role, User
from qamqor.appeals.models import Appeal
from qamqor.audit.services import verify_chain
from qamqor.care.models import (
    NON_SPECIALIST,
    ConsentRecord,
    Consultation,
    ConsultationBasis,
    CrisisBasis,
    SupervisionSession,
    WorkEntry,
    WorkWeek,
)
from qamqor.cases.models import Case, CaseEvent
from qamqor.demo import (
    DEMO_EMAIL_DOMAIN,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    SeedSummary,
    seed_demo,
)
from qamqor.directory.models import (
    ContactPerson,
    District,
    Organisation,
    OrganisationKind,
    Region,
    Settlement,
)
from qamqor.helpline.models import CallCard
from qamqor.instruments.models import Administration, Alert, Campaign, CampaignPupil
from qamqor.intake.alerts import alert_link
from qamqor.intake.models import LifeSafetyAlert, Report, ReporterMessage
from qamqor.notify.models import Notification
from qamqor.protocols.models import Step
from qamqor.referrals.models import Referral, ReferralKind
from tests.conftest import FAST_HASHERS

REGIONAL_KINDS = {
    OrganisationKind.EDUCATION_DEPARTMENT,
    OrganisationKind.PSC,
    OrganisationKind.JUVENILE_POLICE,
    OrganisationKind.POLICE_DUTY,
    OrganisationKind.GUARDIANSHIP,
    OrganisationKind.CLINIC,
}
NATIONAL_KINDS = {
    OrganisationKind.HELPLINE,
    OrganisationKind.COORDINATING_BODY,
    OrganisationKind.MONITORING_BODY,
}


# The demo is loaded into the embedded SQLite database (`make run`, docs/architecture.md);
# seeding PostgreSQL is the national seed's test. These tests seed the demo many times and
# run once, in the SQLite pass.
pytestmark = pytest.mark.skipif(
    "postgresql" in settings.DATABASES["default"]["ENGINE"],
    reason="the demo runs on SQLite; runs in the SQLite pass",
)


class _Discard(Exception):
    """Leaves the module's transaction, so the seeded demo is gone after the module."""


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[SeedSummary]:
    """One demo for the whole module (seeding takes tens of seconds), in a transaction
    rolled back at the module's end; each test's own changes roll back after it (``db``)."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        try:
            with transaction.atomic():
                yield seed_demo(schools=10, cases=30, progress=False, rng_seed=7)
                raise _Discard
        except _Discard:
            pass


@pytest.fixture
def demo(seeded: SeedSummary, db: None) -> SeedSummary:
    return seeded


def test_every_case_and_report_status_occurs(demo: SeedSummary) -> None:
    assert set(Case.objects.values_list("status", flat=True)) == set(Case.Status.values)
    assert set(Report.objects.values_list("status", flat=True)) == set(Report.Status.values)
    assert Case.objects.count() == sum(demo.cases.values()) == 30
    assert Report.objects.filter(status=Report.Status.REGISTERED).count() == 30


def test_the_demo_ends_with_its_statistics_counted(demo: SeedSummary) -> None:
    """The demo dashboard shows figures at once: the seed ends with a recount, and the
    rollups agree with the cases (decision 0014)."""
    from qamqor.analytics.fold import as_of
    from qamqor.analytics.models import CaseRollup, Delta

    rollup = CaseRollup.objects.all()
    assert sum(rollup.values_list("cases", flat=True)) == 30
    assert (
        sum(rollup.values_list("closed", flat=True))
        == Case.objects.filter(status=Case.Status.CLOSED).count()
    )
    assert as_of() is not None and not Delta.objects.exists()


def test_cases_were_built_by_the_services(demo: SeedSummary) -> None:
    for case in Case.objects.prefetch_related("steps", "events", "reports"):
        assert case.reports.count() == 1
        steps = [step for step in case.steps.all() if step.status != Step.Status.SKIPPED]
        assert steps and all(step.organisation_id for step in steps)
        kinds = {event.kind for event in case.events.all()}
        assert {CaseEvent.Kind.REGISTERED, CaseEvent.Kind.PROTOCOL_STARTED} <= kinds
        done = [step for step in steps if step.status == Step.Status.DONE]
        if case.status == Case.Status.CLOSED:
            assert len(done) == len(steps) and case.outcome and case.closed_by_id
        elif case.status == Case.Status.IN_PROGRESS:
            assert 0 < len(done) < len(steps)
        else:
            assert not done
    assert verify_chain().intact


def test_every_role_has_a_demo_login_that_signs_in(demo: SeedSummary) -> None:
    assert {role for _, role in DEMO_LOGINS} == set(Role)
    request = RequestFactory().post("/login/")
    for username, role in DEMO_LOGINS:
        user = authenticate(request, username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        membership = Membership.objects.select_related("organisation__region").get(user=user)
        assert membership.role == role
        region = membership.organisation.region
        assert region is None or region.code == "KZ-75", username


def test_every_school_and_region_has_the_staff_its_cases_need(demo: SeedSummary) -> None:
    for school in Organisation.objects.schools():
        assert school.memberships.filter(role=Role.SCHOOL_COORDINATOR).exists(), school.code
    for region in Region.objects.all():
        members = Membership.objects.filter(organisation__region=region)
        assert members.filter(role=Role.REGIONAL_COORDINATOR).exists(), region.code
        assert members.filter(role=Role.PSC_PSYCHOLOGIST).exists(), region.code


def test_case_numbers_are_consecutive_per_region_and_year(demo: SeedSummary) -> None:
    sequences: dict[tuple[int, int], list[int]] = defaultdict(list)
    for case in Case.objects.select_related("region").order_by("registered_at"):
        assert case.number == Case.format_number(case.region.code, case.year, case.sequence)
        assert case.registered_at.astimezone(timezone.get_default_timezone()).year == case.year
        sequences[(case.region_id, case.year)].append(case.sequence)
    for numbers in sequences.values():
        assert numbers == list(range(1, len(numbers) + 1))


def test_everything_invented_says_so(demo: SeedSummary) -> None:
    for org in Organisation.objects.all():
        assert org.synthetic, org.code
        assert "synthetic" in org.name_en, org.name_en
        assert "синтет" in org.name_ru and "синтет" in org.name_kk, org.code
        assert org.email == f"{org.code}@{DEMO_EMAIL_DOMAIN}"
        assert org.code.startswith("demo-")
    for district in District.objects.all():
        assert district.synthetic and "synthetic" in district.name_en
    for village in Settlement.objects.filter(kind=Settlement.Kind.VILLAGE):
        assert village.synthetic and "synthetic" in village.name_en
    assert not Settlement.objects.filter(kind=Settlement.Kind.CITY, synthetic=True).exists()
    for contact in ContactPerson.objects.all():
        assert contact.full_name.endswith("(synthetic)")
        assert contact.email.endswith(f"@{DEMO_EMAIL_DOMAIN}")
    for user in User.objects.all():
        assert user.last_name.endswith("(synthetic)")
        assert user.email == f"{user.username}@{DEMO_EMAIL_DOMAIN}"
    for report in Report.objects.all():
        assert "synthetic demo report" in report.narrative.lower()
    for case in Case.objects.all():
        assert case.summary.startswith("Synthetic demo case")


def test_phone_numbers_are_valid_kazakh_numbers_in_e164(demo: SeedSummary) -> None:
    phones = [
        *Organisation.objects.values_list("phone", flat=True),
        *ContactPerson.objects.values_list("phone", flat=True),
    ]
    assert len(phones) == len(set(phones))
    for phone in phones:
        number = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(number), phone
        assert phonenumbers.region_code_for_number(number) == "KZ", phone
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
        assert re.fullmatch(r"\+77\d{9}", phone)


def test_directory_has_every_body_the_protocols_route_to(demo: SeedSummary) -> None:
    for region in Region.objects.all():
        kinds = set(region.organisations.values_list("kind", flat=True))
        assert kinds >= REGIONAL_KINDS, region.code
        psc = region.organisations.get(kind=OrganisationKind.PSC)
        branches = region.organisations.filter(kind=OrganisationKind.PSC_BRANCH)
        assert 1 <= branches.count() <= 2
        assert all(branch.parent_id == psc.pk for branch in branches)
        assert 1 <= region.districts.count() <= 2
    national = Organisation.objects.filter(region__isnull=True)
    assert set(national.values_list("kind", flat=True)) == NATIONAL_KINDS
    for org in Organisation.objects.prefetch_related("contacts"):
        assert org.main_contact is not None and org.main_contact.is_designated
    schools = Organisation.objects.schools()
    assert schools.count() == demo.schools == 10
    assert schools.filter(code="demo-school-kz75-001").exists()
    assert all(re.fullmatch(r"demo-school-kz\d\d-\d{3}", s.code) for s in schools)


def test_history_is_spread_backwards_and_some_steps_are_overdue(demo: SeedSummary) -> None:
    now = timezone.now()
    registered = sorted(Case.objects.values_list("registered_at", flat=True))
    assert registered[-1] - registered[0] > timedelta(days=7)
    assert all(moment <= now for moment in registered)
    assert Step.objects.overdue(now).exists()
    assert demo.escalated == sum(Step.objects.values_list("escalation_level", flat=True)) > 0
    for case in Case.objects.prefetch_related("steps", "reports"):
        report = case.reports.get()
        assert report.received_at <= case.registered_at == report.triaged_at
        if case.closed_at:
            assert case.registered_at <= case.closed_at <= now
        for step in case.steps.all():
            if step.opened_at:
                assert case.registered_at <= step.opened_at and step.due_at
            if step.completed_at:
                assert step.opened_at and step.opened_at <= step.completed_at <= now


def test_referrals_school_to_psc_occur_in_every_state(demo: SeedSummary) -> None:
    to_psc = Referral.objects.filter(kind=ReferralKind.SCHOOL_TO_PSC)
    assert set(to_psc.values_list("status", flat=True)) == set(Referral.Status.values)
    assert to_psc.count() >= 24
    demo_school = Organisation.objects.get(code="demo-school-kz75-001")
    states = set(to_psc.filter(from_organisation=demo_school).values_list("status", flat=True))
    assert states == set(Referral.Status.values)
    for referral in to_psc.filter(status=Referral.Status.COMPLETED):
        assert referral.feedback.startswith("Synthetic demo")
        assert referral.sent_at <= referral.responded_at <= referral.completed_at  # type: ignore[operator]
    for referral in to_psc:
        assert referral.reason.startswith("Synthetic demo")
        assert referral.child.full_name.endswith("(synthetic)")
    assert sum(demo.referrals.values()) == to_psc.count()
    assert Referral.objects.filter(kind=ReferralKind.PSC_TO_SERVICE).exists()


def test_consent_crisis_and_consultations(demo: SeedSummary) -> None:
    assert ConsentRecord.objects.filter(withdrawn_at__isnull=False).count() >= 2
    assert ConsentRecord.objects.filter(withdrawn_at__isnull=True, covers_support=True).exists()
    bases = CrisisBasis.objects.all()
    assert bases.count() >= 3 and bases.filter(closed_at__isnull=True).exists()
    limit = settings.CRISIS_SESSION_LIMIT
    for basis in bases:
        assert basis.justification.startswith("Synthetic demo")
        assert 0 < basis.sessions.count() < limit  # never at or over the limit
    assert Consultation.objects.filter(basis=ConsultationBasis.CRISIS).exists()
    assert Consultation.objects.exclude(notes="").exists()
    for consultation in Consultation.objects.all():
        assert consultation.topic.startswith("Synthetic demo")
        assert not consultation.notes or consultation.notes.startswith("Synthetic demo")
    assert SupervisionSession.objects.filter(topic__startswith="Synthetic demo").exists()
    appeal = Appeal.objects.get()
    assert appeal.text.startswith("Synthetic demo")


def test_work_log_weeks_for_the_demo_psychologists(demo: SeedSummary) -> None:
    for username in ("psc_psychologist", "school_psychologist"):
        weeks = WorkWeek.objects.filter(user__username=username)
        assert weeks.count() == 8, username
        assert all(week.week_start.weekday() == 0 for week in weeks)
        assert max(w.week_start for w in weeks) < timezone.localdate() - timedelta(days=0)
    school_weeks = WorkEntry.objects.filter(week__user__username="school_psychologist")
    assert school_weeks.filter(category__in=NON_SPECIALIST).exists()
    assert demo.work_weeks == WorkWeek.objects.count()


def test_school_campaign_has_done_and_pending_pupils(demo: SeedSummary) -> None:
    campaign = Campaign.objects.get(school__code="demo-school-kz75-001")
    assert campaign.title.startswith("Synthetic demo")
    pupils = CampaignPupil.objects.filter(campaign=campaign).select_related("administration")
    assert pupils.count() == 25
    screenings = [p.administration for p in pupils if p.administration is not None]
    assert len(screenings) == 25  # every pupil on the list was invited
    done = [a for a in screenings if a.status == Administration.Status.COMPLETED]
    pending = [a for a in screenings if a.status == Administration.Status.INVITED]
    assert done and pending
    assert all(not p.child.full_name for p in pupils)  # pseudonymous
    follow_up = [a for a in done if a.needs_follow_up]
    assert 2 <= len(follow_up) < len(done)
    assert Alert.objects.filter(administration__campaign=campaign).count() <= 1
    assert Alert.objects.count() <= 1 and not Alert.objects.exclude(opens_protocol="").exists()
    interviews = Administration.objects.filter(mode=Administration.Mode.INTERVIEW)
    assert interviews.filter(status=Administration.Status.COMPLETED).count() >= 2
    assert {a.created_by and a.created_by.username for a in interviews} == {"school_psychologist"}


def test_intake_channels_call_cards_and_messages(demo: SeedSummary) -> None:
    cards = CallCard.objects.filter(operator__username="operator_111")
    assert cards.count() == 2
    saved = cards.get(report__isnull=False)
    assert saved.narrative.startswith("Synthetic demo")
    assert saved.danger_alerted_at is not None
    assert LifeSafetyAlert.objects.filter(
        report=saved.report, acknowledged_at__isnull=False
    ).exists()
    assert all(card.narrative.startswith("Synthetic demo") for card in cards)
    messages = ReporterMessage.objects.exclude(sender=ReporterMessage.Sender.SYSTEM)
    assert messages.filter(sender=ReporterMessage.Sender.REPORTER).exists()
    assert messages.filter(sender=ReporterMessage.Sender.STAFF).exists()
    assert all(message.body.startswith("Synthetic demo") for message in messages)


def test_demo_logins_of_the_new_apps_have_notifications(demo: SeedSummary) -> None:
    for username in (
        "school_psychologist",
        "psc_psychologist",
        "psc_head",
        "guardianship_officer",
        "regional_coordinator",
    ):
        assert Notification.objects.filter(recipient__username=username).exists(), username


def test_past_life_safety_alerts_are_acknowledged(demo: SeedSummary) -> None:
    from qamqor.intake.models import LifeSafetyAlert

    assert LifeSafetyAlert.objects.exists()
    assert not LifeSafetyAlert.objects.filter(acknowledged_at__isnull=True).exists()


def test_the_summary_counts_what_each_part_of_the_demo_wrote(demo: SeedSummary) -> None:
    """Each domain module of ``qamqor.demo`` counts the rows it writes through the services."""
    assert demo.districts == District.objects.count()
    assert demo.villages == Settlement.objects.filter(kind=Settlement.Kind.VILLAGE).count()
    assert demo.organisations == Organisation.objects.count() == ContactPerson.objects.count()
    assert demo.users == User.objects.count() == Membership.objects.count()
    from_helpline = Report.objects.filter(call_card__isnull=False).count()
    assert from_helpline == 1
    assert sum(demo.reports.values()) == Report.objects.count() - from_helpline
    assert demo.consents == ConsentRecord.objects.count()
    assert demo.crisis_bases == CrisisBasis.objects.count()
    assert demo.consultations == Consultation.objects.count()
    assert demo.work_weeks == WorkWeek.objects.count() == 24
    campaign = sum(n for band, n in demo.screenings.items() if band.startswith("campaign "))
    done = Administration.objects.filter(
        campaign__isnull=False, status=Administration.Status.COMPLETED
    )
    assert campaign == done.count() == 15
    interviews = sum(n for kind, n in demo.screenings.items() if kind.startswith("interview "))
    assert interviews == Administration.objects.filter(mode=Administration.Mode.INTERVIEW).count()
    assert demo.call_cards == CallCard.objects.count()
    staff_and_reporters = ReporterMessage.objects.exclude(sender=ReporterMessage.Sender.SYSTEM)
    assert demo.reporter_messages == staff_and_reporters.count() == 5


def test_every_protocol_has_a_case_in_progress_at_the_demo_school(demo: SeedSummary) -> None:
    """Each shipped protocol is at work where the demo logins look: bullying, family,
    school staff, suicide risk and sexual violence (brief 1.4.2), with the perpetrator's
    relationship that chose it."""
    from qamqor.protocols import definitions
    from qamqor.protocols.models import ProtocolRun

    runs = ProtocolRun.objects.filter(
        ended_at__isnull=True,
        case__status=Case.Status.IN_PROGRESS,
        case__school__code="demo-school-kz75-001",
    )
    assert set(runs.values_list("protocol__code", flat=True)) == set(definitions.codes())
    relationships = set(Case.objects.values_list("perpetrator_relationship", flat=True))
    assert {"schoolmate", "primary_caregiver", "teacher_school_official"} <= relationships
    assert Case.objects.filter(self_harm_risk=True, setting="online").exists()
    assert Case.objects.filter(setting="family").exists()


def test_demo_logins_have_tens_of_notifications_not_months_of_unread(demo: SeedSummary) -> None:
    """The newest notifications of the last days are unread, at most ``UNREAD_AT_MOST``;
    the older ones were read after they came."""
    from qamqor.demo.people import UNREAD_AT_MOST

    in_app = Notification.objects.filter(channel=Notification.Channel.IN_APP)
    for username in ("school_coordinator", "psc_psychologist", "regional_coordinator"):
        mine = in_app.filter(recipient__username=username)
        assert 1 <= mine.filter(read_at__isnull=True).count() <= UNREAD_AT_MOST, username
        assert mine.filter(read_at__isnull=False).exists(), username
    for user in User.objects.all():
        assert in_app.filter(recipient=user, read_at__isnull=True).count() <= UNREAD_AT_MOST
    for created_at, read_at in in_app.filter(read_at__isnull=False).values_list(
        "created_at", "read_at"
    ):
        assert read_at is not None and created_at <= read_at <= timezone.now()
    # Whoever acknowledged a past life-safety alert has no round of it pinned as unread.
    acknowledged = LifeSafetyAlert.objects.filter(acknowledged_by__isnull=False)
    assert acknowledged.exists()
    for alert in acknowledged.select_related("report"):
        assert not in_app.filter(
            recipient=alert.acknowledged_by,
            template="life_safety_alert",
            link=alert_link(alert.report),
            read_at__isnull=True,
        ).exists()


def test_contact_persons_are_named_in_kazakh_or_russian(demo: SeedSummary) -> None:
    """A contact person's name and position as the organisation writes them, in Cyrillic,
    Kazakh or Russian (brief 2.2.2), and still marked synthetic."""
    from qamqor.demo.directory import CONTACT_POSITIONS, contact_language

    languages = set()
    for contact in ContactPerson.objects.select_related("organisation"):
        language = contact_language(contact.organisation)
        languages.add(language)
        assert contact.position == CONTACT_POSITIONS[contact.organisation.kind][language]
        assert re.fullmatch(
            r"[А-ЯЁӘҒҚҢӨҰҮІа-яёәғқңөұүі]+ [А-ЯЁӘҒҚҢӨҰҮІа-яёәғқңөұүі]+ \(synthetic\)",
            contact.full_name,
        ), contact.full_name
    assert languages == {"kk", "ru"}
    names = " ".join(ContactPerson.objects.values_list("full_name", flat=True))
    assert re.search(r"[әғқңөұүі]", names)  # Kazakh letters
