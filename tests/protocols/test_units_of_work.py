"""An entry-point service of the engine is a unit of work of its own:
``atomic(durable=True)`` refuses to run inside a caller's transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from qamqor.protocols import services
from qamqor.protocols.models import ProtocolVersion
from tests.factories import World


def test_publishing_refuses_to_run_inside_another_transaction(world: World) -> None:
    services.sync_versions()
    version = ProtocolVersion.objects.filter(code="bullying_outside_family").order_by("-version")
    newest = version.first()
    assert newest is not None
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        services.publish(code=newest.code, version=newest.version, actor=world.national)
    published = services.publish(code=newest.code, version=newest.version, actor=world.national)
    assert published.pk == newest.pk
