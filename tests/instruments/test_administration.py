"""Administration through the services: interview and one-time code, scoring at submission,
alerts to the psychologist at once, escalation to the PSC with frozen time, the ASQ acute
positive opening the suicide-risk protocol, and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from qamqor.audit.models import AuditEvent
from qamqor.cases.models import Case
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.instruments import services
from qamqor.instruments.models import Administration, Alert
from qamqor.notify.models import Notification
from qamqor.protocols.models import ProtocolRun
from tests.factories import World
from tests.instruments.conftest import (
    ASQ_ACUTE,
    ASQ_NEGATIVE,
    PHQ_A_CALM,
    PHQ_A_ITEM_9,
    PHQ_A_MODERATE,
    Pupils,
)

pytestmark = pytest.mark.django_db


def interview(world: World, child, code: str, answers: dict) -> Administration:
    administration = services.start_interview(
        actor=world.psychologist_a, child=child, instrument_code=code, language="ru"
    )
    return services.submit_interview(
        administration=administration, actor=world.psychologist_a, answers=answers
    )


def test_an_interview_is_scored_at_submission(screening_world: World, pupils: Pupils) -> None:
    done = interview(screening_world, pupils.a1, "phq_a", PHQ_A_MODERATE)
    done.refresh_from_db()
    assert done.status == Administration.Status.COMPLETED
    assert (done.score, done.band, done.critical) == (10, "moderate", False)
    assert done.needs_follow_up  # the moderate band calls for follow-up
    assert done.age_years == 13 and done.sex == "girl"
    assert done.region == screening_world.a.region and done.school == screening_world.a.school
    assert done.instrument.code == "phq_a" and done.instrument.version == 1
    actions = list(
        AuditEvent.objects.filter(object_id=str(done.public_id)).values_list("action", flat=True)
    )
    assert actions == ["screening.start", "screening.submit"]


def test_an_administration_keeps_the_version_it_used(
    screening_world: World, pupils: Pupils
) -> None:
    done = interview(screening_world, pupils.a1, "gad7", {f"q{i}": "0" for i in range(1, 8)})
    stored = done.instrument.definition
    assert stored["code"] == "gad7" and stored["version"] == 1
    assert done.instrument.checksum


def test_only_the_childs_psychologists_may_screen(screening_world: World, pupils: Pupils) -> None:
    for outsider in ("psychologist_a2", "psychologist_b", "coordinator_a", "regional_a"):
        with pytest.raises(NotAllowed):
            services.start_interview(
                actor=getattr(screening_world, outsider),
                child=pupils.a1,
                instrument_code="phq_a",
                language="ru",
            )


def test_the_age_range_and_the_mode_are_checked(screening_world: World, pupils: Pupils) -> None:
    with pytest.raises(InvalidInput) as error:
        services.invite(
            actor=screening_world.psychologist_a,
            child=pupils.a1,
            instrument_code="asq",
            language="kk",
        )
    assert error.value.errors[0].field == "mode"
    young = pupils.a1
    young.birth_date = young.birth_date.replace(year=young.birth_date.year + 4)  # type: ignore[union-attr]
    young.save()
    with pytest.raises(InvalidInput) as error:
        services.start_interview(
            actor=screening_world.psychologist_a,
            child=young,
            instrument_code="phq_a",
            language="ru",
        )
    assert error.value.errors[0].field == "instrument"
    assert "11–17" in str(error.value.errors[0].message)


def test_a_one_time_code_works_once(screening_world: World, pupils: Pupils) -> None:
    administration, code = services.invite(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="phq_a",
        language="kk",
    )
    assert administration.access_code_hash == services.code_hash(code)
    assert code not in str(Administration.objects.filter(pk=administration.pk).values().get())
    typed = code.lower().replace("-", " ")  # case, spaces and dashes do not matter
    done = services.submit_by_code(code=typed, answers=PHQ_A_CALM)
    assert done.status == Administration.Status.COMPLETED and done.band == "minimal"
    with pytest.raises(Conflict):
        services.submit_by_code(code=code, answers=PHQ_A_CALM)
    submit = AuditEvent.objects.get(action="screening.submit")
    assert submit.actor_id is None and "answers" not in submit.changes


def test_an_expired_or_unknown_code_is_refused(screening_world: World, pupils: Pupils) -> None:
    _administration, code = services.invite(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="who5",
        language="ru",
    )
    with pytest.raises(services.CodeNotValid):
        services.submit_by_code(code="AAAAA-BBBBB", answers={})
    with (
        time_machine.travel(timezone.now() + timedelta(days=8)),
        pytest.raises(services.CodeNotValid),
    ):
        services.find_by_code(code)


def test_critical_item_alerts_the_psychologist_at_once(
    screening_world: World, pupils: Pupils
) -> None:
    _administration, code = services.invite(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="phq_a",
        language="ru",
    )
    done = services.submit_by_code(code=code, answers=PHQ_A_ITEM_9)
    assert done.critical and done.needs_follow_up
    alert = Alert.objects.get()
    assert (alert.rule, alert.severity, alert.organisation) == (
        "self_harm_thoughts",
        "critical",
        screening_world.a.school,
    )
    sent = Notification.objects.filter(template="screening_alert")
    assert {(n.recipient, n.channel) for n in sent} == {
        (screening_world.psychologist_a, "in_app"),
        (screening_world.psychologist_a, "email"),
    }
    email = sent.get(channel="email")
    assert pupils.a1.code in email.body and email.status == Notification.Status.PENDING
    assert pupils.a1.full_name == "" and "PHQ-A" in email.body


def test_an_unacknowledged_alert_escalates_to_the_psc_on_duty(
    screening_world: World, pupils: Pupils, settings
) -> None:
    settings.ALERT_ESCALATION_MINUTES = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        interview(screening_world, pupils.a1, "phq_a", PHQ_A_ITEM_9)
    alert = Alert.objects.get()
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert services.escalate_unacknowledged_alerts() == 0
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        assert services.escalate_unacknowledged_alerts() == 1
        assert services.escalate_unacknowledged_alerts() == 0  # once only
    alert.refresh_from_db()
    assert alert.escalated_to == screening_world.a.psc
    escalated = Notification.objects.filter(template="screening_alert_escalated")
    assert {n.recipient for n in escalated if n.recipient} == {screening_world.psc_a}
    assert escalated.to_address(screening_world.a.psc.email).exists()
    # the PSC now sees the result; region B's PSC does not
    from qamqor.instruments import selectors

    assert selectors.administration_for_user(screening_world.psc_a, alert.administration.public_id)
    with pytest.raises(Exception, match="administration"):
        selectors.administration_for_user(screening_world.psc_b, alert.administration.public_id)


def test_an_acknowledged_alert_does_not_escalate(screening_world: World, pupils: Pupils) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        interview(screening_world, pupils.a1, "phq_a", PHQ_A_ITEM_9)
    alert = Alert.objects.get()
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        services.acknowledge_alert(alert=alert, actor=screening_world.psychologist_a)
        with pytest.raises(Conflict):
            services.acknowledge_alert(alert=alert, actor=screening_world.psychologist_a)
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        assert services.escalate_unacknowledged_alerts() == 0
    assert not Notification.objects.filter(template="screening_alert_escalated").exists()
    assert AuditEvent.objects.filter(action="screening.alert_acknowledge").count() == 1


def test_the_worker_runs_the_escalation_sweep(screening_world: World, pupils: Pupils) -> None:
    from qamqor.worker import run_sweeps

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        interview(screening_world, pupils.a1, "phq_a", PHQ_A_ITEM_9)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert run_sweeps()["screening_alerts_escalated"] == 1


def test_asq_acute_positive_opens_the_suicide_risk_protocol(
    screening_world: World, pupils: Pupils
) -> None:
    done = interview(screening_world, pupils.a1, "asq", ASQ_ACUTE)
    assert done.band == "acute_positive"
    alert = Alert.objects.get()
    assert alert.rule == "acute_suicide_risk" and alert.opens_protocol == "suicide_risk"
    assert alert.case is not None
    case = Case.objects.get()
    assert case.child == pupils.a1 and case.self_harm_risk and case.risk_level == "immediate"
    assert ProtocolRun.objects.get(case=case).protocol.code == "suicide_risk"
    assert pupils.a1.code in case.summary


def test_asq_negative_opens_nothing(screening_world: World, pupils: Pupils) -> None:
    done = interview(screening_world, pupils.a1, "asq", ASQ_NEGATIVE)
    assert (done.band, done.critical) == ("negative", False)
    assert not Alert.objects.exists() and not Case.objects.exists()


def test_a_failing_protocol_start_keeps_the_answers_and_the_alert(
    screening_world: World, pupils: Pupils, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qamqor.cases import services as case_services
    from qamqor.errors import InvalidInput as Refused

    def refuse(**kwargs: object) -> None:
        raise Refused.on("region", "No PSC is registered in this region.")

    monkeypatch.setattr(case_services, "open_alert_case", refuse)
    done = interview(screening_world, pupils.a1, "asq", ASQ_ACUTE)
    assert Administration.objects.get(pk=done.pk).status == Administration.Status.COMPLETED
    assert Alert.objects.get().case is None
    assert AuditEvent.objects.filter(action="screening.protocol_failed").exists()


def test_wrong_answers_change_nothing(screening_world: World, pupils: Pupils) -> None:
    administration = services.start_interview(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="gad7",
        language="en",
    )
    with pytest.raises(InvalidInput) as error:
        services.submit_interview(
            administration=administration,
            actor=screening_world.psychologist_a,
            answers={"q1": "9"},
        )
    assert "answers.q1" in {p.field for p in error.value.errors}
    administration.refresh_from_db()
    assert administration.status == Administration.Status.IN_PROGRESS
    assert administration.answers == {}


def test_a_region_campaigns_alert_goes_to_the_school_not_to_the_coordinator(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    """The coordinator who created a region campaign never learns a pupil's answers; a
    school without a psychologist has its alerts sent to the PSC at once."""
    from datetime import timedelta as days

    from qamqor.instruments.models import Campaign
    from tests.factories import make_pupil

    at_a1 = make_pupil(world.a.school)
    at_a2 = make_pupil(world.a.school2)  # school A2 has no psychologist in this world
    campaign = services.create_campaign(
        actor=world.regional_a,
        title="Region A",
        instrument_code="phq_a",
        area=services.CampaignArea(level="region", region=world.a.region),
        opens_on=services.today(),
        closes_on=services.today() + days(days=5),
        consent_required=False,
    )
    services.enrol_area(campaign.pk)
    assert Campaign.objects.get().status == "open"
    for child in (at_a1, at_a2):
        code = services.access_code_for(Administration.objects.get(child=child))
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            services.submit_by_code(code=code, answers=PHQ_A_ITEM_9)
    told = set(
        Notification.objects.filter(template="screening_alert").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"psychologist_a"}
    a2_alert = Alert.objects.get(child=at_a2)
    assert a2_alert.escalated_to == world.a.psc and a2_alert.escalated_at is not None
    assert Alert.objects.get(child=at_a1).escalated_at is None
    assert not Notification.objects.filter(recipient=world.regional_a).exists()


def test_starting_and_inviting_write_their_events(screening_world: World, pupils: Pupils) -> None:
    started = services.start_screening(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="gad7",
        mode="interview",
        language="kk",
    )
    invited = services.start_screening(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="phq_a",
        mode="self",
        language="ru",
    )
    assert started.code is None and started.administration.status == "in_progress"
    assert invited.code == services.access_code_for(invited.administration)
    assert invited.administration.status == "invited" and invited.administration.expires_at
    events = [
        (e.actor_id, e.action, e.object_id, e.changes)
        for e in AuditEvent.objects.filter(action__in=["screening.start", "screening.invite"])
    ]
    actor = screening_world.psychologist_a.pk
    assert events == [
        (
            actor,
            "screening.start",
            str(started.administration.public_id),
            {"child": pupils.a1.code, "instrument": "GAD-7 v1", "mode": "interview"},
        ),
        (
            actor,
            "screening.invite",
            str(invited.administration.public_id),
            {"child": pupils.a1.code, "instrument": "PHQ-A v1", "mode": "self"},
        ),
    ]
