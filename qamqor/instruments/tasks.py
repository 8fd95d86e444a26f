"""Background work of screenings: enrolling a district's or region's pupils in a campaign."""

from __future__ import annotations

from django_tasks import task

from qamqor.instruments.services.enrolment import enrol_area


@task()
def enrol_campaign(campaign_id: int) -> int:
    """Enrol the campaign's pupils and issue their codes; returns how many codes."""
    return enrol_area(campaign_id)
