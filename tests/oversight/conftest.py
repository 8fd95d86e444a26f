"""Fixtures of the tracker's tests: the recommendations loaded from the data file, a
national coordinator of the coordinating body, a school psychologist and a monitor."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import translation

from qamqor.accounts.models import Role, User
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.oversight import services
from qamqor.oversight.models import Recommendation
from tests.factories import make_organisation, make_user


@dataclass
class Tracker:
    body: Organisation
    coordinator: User
    psychologist: User
    monitor: User
    ministry: Organisation

    def recommendation(self, number: str) -> Recommendation:
        return Recommendation.objects.get(number=number)


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


@pytest.fixture
def tracker(db: None) -> Tracker:
    services.load_recommendations()
    body = make_organisation(OrganisationKind.COORDINATING_BODY, "t-body", None)
    school = make_organisation(OrganisationKind.SCHOOL, "t-school", None)
    monitoring = make_organisation(OrganisationKind.MONITORING_BODY, "t-monitor", None)
    ministry = make_organisation(OrganisationKind.EDUCATION_DEPARTMENT, "t-ministry", None)
    return Tracker(
        body=body,
        coordinator=make_user("t-national", body, Role.NATIONAL_COORDINATOR, first_name="Aliya"),
        psychologist=make_user("t-psych", school, Role.SCHOOL_PSYCHOLOGIST),
        monitor=make_user("t-monitor", monitoring, Role.MONITOR),
        ministry=ministry,
    )
