"""The parent's application sent into Qamqor as a report (brief 2.1.1, 2.3.8).

Only here does the application's content stay anywhere: it becomes a report of the
school's, received through the web form from a parent who gives their name and contact,
with the narrative and the reporter's details encrypted as every report's are. From its
receipt the bullying protocol's deadlines run once the school registers it, counted from
the report's ``received_at`` (Order No. 506 p. 9).
"""

from __future__ import annotations

from qamqor.classification import Setting
from qamqor.intake import services as intake
from qamqor.intake.models import Channel, ReporterRole
from qamqor.parents import guidance
from qamqor.parents.letter import Application
from qamqor.units import entry_point


def narrative(application: Application) -> str:
    """The report's text: what the parent wrote, labelled in the letter's language."""
    words = {
        key: text.pick(application.language)
        for key, text in guidance.school_duties().application.items()
    }
    parts = [
        words["intro"].format(child=application.child_name, **{"class": application.child_class}),
        f"{words['what_happened']}: {application.what_happened}",
        f"{words['when']}: {application.period()}",
    ]
    if application.repeated:
        parts.append(words["repeated"])
    if application.actions_taken:
        parts.append(f"{words['done_so_far']}: {application.actions_taken}")
    return "\n\n".join(parts)


@entry_point
def send_application(
    *,
    application: Application,
    forms: list[str],
    setting: str,
    idempotency_key: str | None = None,
) -> intake.Submitted:
    """Submit the application as a report of its school through intake's one door
    (``intake.services.submit_report``): channel web form, reporter role parent, not
    anonymous, with the parent's contact. A repeated ``idempotency_key`` (the same form
    sent twice) returns the first report and the same follow-up code."""
    return intake.submit_report.within(
        school=application.school,
        data={
            "narrative": narrative(application),
            "forms": forms,
            "setting": setting or Setting.SCHOOL,
            "in_danger_now": False,
            "self_harm_risk": False,
            "anonymous": False,
            "reporter_role": ReporterRole.PARENT,
            "reporter_name": application.parent_name,
            "reporter_contact": application.parent_contact,
        },
        channel=Channel.WEB_FORM,
        language=application.language,
        idempotency_key=idempotency_key,
    )
