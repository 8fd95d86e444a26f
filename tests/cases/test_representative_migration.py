"""The data migration that moved "alleged perpetrator" from the child's record to the case."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from qamqor.cases import services as case_services
from qamqor.cases.models import Case, CaseRepresentative, LegalRepresentative
from tests.factories import World, register_case

BEFORE = ("cases", "0003_case_thread")


@pytest.mark.django_db(transaction=True)
def test_an_old_mark_becomes_a_mark_in_every_case_of_the_child(world: World) -> None:
    first, second, unrelated = register_case(world), register_case(world), register_case(world)
    child = case_services.create_child(region=world.a.region, school=world.a.school)
    Case.objects.filter(pk__in=[first.pk, second.pk]).update(child=child)
    father = LegalRepresentative.objects.create(child=child, full_name="F", relationship="father")
    mother = LegalRepresentative.objects.create(child=child, full_name="M", relationship="mother")

    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old_apps = executor.loader.project_state([BEFORE]).apps
    old_apps.get_model("cases", "LegalRepresentative").objects.filter(pk=father.pk).update(
        is_alleged_perpetrator=True
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    marked = CaseRepresentative.objects.filter(is_alleged_perpetrator=True)
    assert {(link.case_id, link.representative_id) for link in marked} == {
        (first.pk, father.pk),
        (second.pk, father.pk),
    }
    assert not CaseRepresentative.objects.filter(representative=mother).exists()
    assert not CaseRepresentative.objects.filter(case=unrelated).exists()
