"""The demo of the intake channels after submission (brief 1.3.2, 1.2.2): reporters'
messages and the school's replies on open reports (``intake.services``), and two 111 call
cards (``helpline.services``), one submitted with a life-safety alert, one still a draft."""

from __future__ import annotations

from datetime import timedelta

from qamqor.accounts.models import Role
from qamqor.classification import RiskLevel, Setting
from qamqor.demo.world import DemoRegion
from qamqor.helpline import services as helpline_services
from qamqor.helpline.models import CallerType
from qamqor.intake import alerts as intake_alerts
from qamqor.intake import services as intake_services
from qamqor.intake.models import LifeSafetyAlert, Report


def reporter_messages(site: DemoRegion) -> None:
    """A reporter's message on three of the demo school's open reports; two answered."""
    coordinator = site.login[Role.SCHOOL_COORDINATOR]
    open_reports = [
        report
        for report in Report.objects.filter(school=site.school)
        .select_related("case", "school", "received_by")
        .order_by("-received_at")
        if report.status == Report.Status.NEW or (report.case and not report.case.is_closed)
    ]
    for number, report in enumerate(open_reports[:3]):
        intake_services.post_reporter_message.within(
            report=report,
            body="Synthetic demo message from the reporter: it happened again today "
            "after lessons. What should I do?",
        )
        site.summary.reporter_messages += 1
        if number < 2:
            intake_services.post_staff_reply.within(
                report=report,
                actor=coordinator,
                body="Synthetic demo reply: thank you for writing. The school psychologist "
                "will talk to you tomorrow; if you are in danger now, call 112.",
            )
            site.summary.reporter_messages += 1


def call_cards(site: DemoRegion) -> None:
    """A 111 call whose card raises the danger alert (acknowledged by the police duty
    officer) and is submitted as a report; and a second card the operator is still writing."""
    operator = site.login[Role.OPERATOR_111]
    started = site.now - timedelta(minutes=50)
    call, _created = helpline_services.open_call.within(
        actor=operator,
        external_id="demo-call-0001",
        started_at=started,
        caller_number=site.world.phones.next(),
    )
    card = helpline_services.open_card.within(actor=operator, call=call)
    card = helpline_services.update_card.within(
        actor=operator,
        card=card,
        data={
            "caller_type": CallerType.CHILD,
            "child_age": "13",
            "child_sex": "girl",
            "category": "violence.physical",
            "risk_level": RiskLevel.HIGH,
            "setting": Setting.COMMUNITY,
            "narrative": "Synthetic demo report of a 111 call (not a real call): "
            "teenagers wait for the caller near the school and have just hit her; "
            "she is hiding in a shop.",
            "school": site.school,
            "region": site.region,
        },
    )
    card = helpline_services.raise_danger.within(actor=operator, card=card)
    submitted = helpline_services.submit_card.within(actor=operator, card=card)
    helpline_services.close_call.within(
        actor=operator, external_id=call.external_id, ended_at=started + timedelta(minutes=14)
    )
    alert = LifeSafetyAlert.objects.filter(report=submitted.report).first()
    if alert is not None:
        intake_alerts.acknowledge.within(alert=alert, actor=site.police_duty)
    draft = helpline_services.open_card.within(actor=operator)
    helpline_services.update_card.within(
        actor=operator,
        card=draft,
        data={
            "caller_type": CallerType.PARENT,
            "child_age": "10",
            "category": "mental_health.other",
            "risk_level": RiskLevel.LOW,
            "narrative": "Synthetic demo report of a 111 call (not a real call): "
            "a mother asks where her son can talk to a psychologist; "
            "the operator is still writing.",
            "region": site.region,
        },
    )
    site.summary.call_cards += 2
