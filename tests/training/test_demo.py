"""The demo's part of training: a synthetic catalogue, enrolments (one with a synthetic
certificate that passes the upload checks) and two methodological days, all inside the
seed's one transaction, and everything it invents says it is synthetic."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
from django.db import transaction
from django.utils.timezone import localdate

from qamqor.accounts.models import Role
from qamqor.demo import training as demo_training
from qamqor.demo.world import DemoRegion
from qamqor.files import check_content
from qamqor.training.models import Attendance, Enrolment, MethodologicalDay, Programme
from tests.factories import World

pytestmark = pytest.mark.django_db


def test_the_demo_adds_a_synthetic_catalogue_records_and_days(world: World) -> None:
    site = cast(
        DemoRegion,
        SimpleNamespace(
            login={
                Role.NATIONAL_COORDINATOR: world.national,
                Role.SCHOOL_PSYCHOLOGIST: world.psychologist_a,
                Role.PSC_PSYCHOLOGIST: world.psc_a,
                Role.REGIONAL_COORDINATOR: world.regional_a,
            },
            psc=world.a.psc,
            today=localdate(),
        ),
    )
    with transaction.atomic():
        assert demo_training.catalogue(site) == 4
    for programme in Programme.objects.all():
        # each title says so in its own language (no English on a Kazakh page)
        assert "синтетикалық" in programme.title_kk
        assert "синтетическая" in programme.title_ru
        assert "synthetic" in programme.title_en
        assert "ynthetic" in programme.provider_name
    assert Enrolment.objects.filter(status="completed").count() == 2
    certified = Enrolment.objects.get(certificate__isnull=False)
    assert certified.certificate is not None
    content = bytes(certified.certificate.content)
    check_content("c.pdf", content, field="certificate", limit=10**6)  # a clean PDF
    assert b"Synthetic demo certificate" in content
    assert MethodologicalDay.objects.count() == 2
    assert all(day.note == "Synthetic demo day." for day in MethodologicalDay.objects.all())
    assert Attendance.objects.get().specialist == world.psc_a
