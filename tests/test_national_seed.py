"""The synthetic national dataset at a tiny scale: proportional, consistent with what the
services write, and usable by the application afterwards (brief 3.1.1)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from qamqor.accounts.models import Membership, Role, User
from qamqor.care.models import Consultation
from qamqor.cases import services as case_services
from qamqor.cases.models import Case, CaseNumberCounter
from qamqor.demo.national import NationalSeedRefused, NationalSummary, seed_national
from qamqor.demo.national import run as national_run
from qamqor.demo.national.cases import CASES_PER_YEAR, REFERRED_SHARE, SUMMARY
from qamqor.demo.national.directory import PRIVATE_SCHOOLS, SCHOOL_PSYCHOLOGISTS, SCHOOLS
from qamqor.demo.national.screenings import SCREENINGS_PER_YEAR
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.instruments.models import Administration
from qamqor.intake import services as intake_services
from qamqor.protocols import sweeps
from qamqor.protocols.models import Step
from qamqor.referrals.models import Referral

SCALE = 0.003
YEARS = 1


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def national(db: None, monkeypatch: pytest.MonkeyPatch) -> NationalSummary:
    monkeypatch.setattr(national_run, "RECOUNT_COMMAND", "no-such-command")  # fast
    return seed_national(scale=SCALE, years=YEARS, rng_seed=11, progress=False)


def test_counts_follow_the_national_figures(national: NationalSummary) -> None:
    schools = Organisation.objects.schools()
    assert schools.count() == round(SCHOOLS * SCALE)
    assert schools.filter(is_private=True).count() == round(
        schools.count() * PRIVATE_SCHOOLS / SCHOOLS
    )
    assert Membership.objects.filter(role=Role.SCHOOL_PSYCHOLOGIST).count() == round(
        SCHOOL_PSYCHOLOGISTS * SCALE
    )
    assert Organisation.objects.filter(kind=OrganisationKind.PSC).count() == 20
    assert Organisation.objects.filter(kind=OrganisationKind.PSC_BRANCH).count() >= 20
    cases = Case.objects.count()
    assert cases == national.counts["cases"] == round(CASES_PER_YEAR * YEARS * SCALE)
    assert Administration.objects.count() == round(SCREENINGS_PER_YEAR * YEARS * SCALE)
    assert Step.objects.count() >= 5 * cases
    referrals = Referral.objects.count()
    assert 0.7 * REFERRED_SHARE * cases < referrals < 1.3 * REFERRED_SHARE * cases
    assert Consultation.objects.exists()
    # closed history and work in progress; a step in each state the engine leaves
    assert {"in_progress", "closed"} <= set(Case.objects.values_list("status", flat=True))
    statuses = set(Step.objects.values_list("status", flat=True))
    assert {"done", "open", "waiting", "skipped"} <= statuses
    assert Step.objects.overdue().exists()
    assert not User.objects.exclude(email__endswith=".invalid").exists()
    assert not any(user.has_usable_password() for user in User.objects.all()[:50])


def test_rows_are_those_the_services_write(national: NationalSummary) -> None:
    numbers: dict[tuple[int, int], list[int]] = defaultdict(list)
    for case in Case.objects.select_related("region").only(
        "number", "region__code", "year", "sequence"
    ):
        assert case.number == Case.format_number(case.region.code, case.year, case.sequence)
        numbers[(case.region_id, case.year)].append(case.sequence)
    for key, sequences in numbers.items():
        assert sorted(sequences) == list(range(1, len(sequences) + 1)), key
        assert CaseNumberCounter.objects.get(region_id=key[0], year=key[1]).last == len(sequences)
    open_case = Case.objects.exclude(status=Case.Status.CLOSED).first()
    assert open_case is not None
    assert open_case.summary == SUMMARY  # a valid token, read back through the field
    with connection.cursor() as cursor:
        cursor.execute("SELECT summary FROM cases_case WHERE id = %s", [open_case.pk])
        assert cursor.fetchone()[0].startswith("gAAAAA")
    closed = Case.objects.filter(status=Case.Status.CLOSED).first()
    assert closed is not None
    assert not closed.steps.exclude(status__in=["done", "skipped"]).exists()
    assert all(step.completed_at for step in closed.steps.filter(status="done"))


def test_a_case_page_opens_for_its_regional_coordinator(national: NationalSummary) -> None:
    case = Case.objects.filter(status=Case.Status.IN_PROGRESS).first()
    assert case is not None
    coordinator = User.objects.get(
        memberships__role=Role.REGIONAL_COORDINATOR,
        memberships__organisation__region=case.region,
    )
    client = Client()
    client.force_login(coordinator)
    response = client.get(reverse("case-detail", args=[case.number]))
    assert response.status_code == 200
    assert case.number in response.content.decode()


def test_a_registration_after_the_seed_takes_the_next_number(national: NationalSummary) -> None:
    year = timezone.localtime().year
    counter = CaseNumberCounter.objects.filter(year=year).order_by("-last").first()
    assert counter is not None and counter.last > 0
    school = Organisation.objects.schools().filter(region_id=counter.region_id).first()
    assert school is not None
    coordinator = User.objects.get(
        memberships__role=Role.SCHOOL_COORDINATOR, memberships__organisation=school
    )
    report = intake_services.submit_report(
        school=school,
        data={
            "narrative": "Synthetic test report after the national seed.",
            "forms": ["bullying"],
            "setting": "school",
            "in_danger_now": False,
            "anonymous": True,
            "reporter_role": "child",
            "reporter_name": "",
            "reporter_contact": "",
        },
    ).report
    case = case_services.register_case(
        report=report,
        actor=coordinator,
        classification={
            "setting": "school",
            "forms": ["bullying"],
            "risk_level": "medium",
            "summary": "Synthetic test case after the national seed.",
        },
    )
    assert case.sequence == counter.last + 1


def test_the_overdue_sweep_runs_over_the_history(national: NationalSummary) -> None:
    now = timezone.now()
    waiting = Step.objects.overdue(now).filter(escalation_level=0).count()
    escalated = sweeps.escalate_overdue(now)
    assert escalated >= waiting
    assert not Step.objects.overdue(now).filter(escalation_level=0).exists()
    sweeps.send_reminders(now)


def test_seeding_twice_is_refused(national: NationalSummary) -> None:
    with pytest.raises(NationalSeedRefused):
        seed_national(scale=SCALE, years=YEARS, progress=False)


def test_the_statistics_are_recounted_when_the_command_exists(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    called: list[str] = []
    monkeypatch.setattr(national_run, "RECOUNT_COMMAND", "check")  # a command that exists
    monkeypatch.setattr(national_run, "call_command", lambda name: called.append(name))
    summary = seed_national(scale=0.001, years=1, progress=False)
    assert summary.recounted and called == ["check"]


def test_the_command_line_passes_scale_and_years(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import django.core.management

    import qamqor.demo.national
    from qamqor import cli

    asked: dict[str, object] = {}

    def fake_seed(**options: object) -> NationalSummary:
        asked.update(options)
        return NationalSummary(scale=0.5, years=2)

    monkeypatch.setattr(django.core.management, "call_command", lambda *a, **k: None)
    monkeypatch.setattr(qamqor.demo.national, "seed_national", fake_seed)
    assert cli.main(["seed", "--national", "--scale", "0.5", "--years", "2"]) == 0
    assert asked == {"scale": 0.5, "years": 2}
    assert "synthetic national dataset at scale 0.5 over 2 years" in capsys.readouterr().out
