"""Schemathesis against the OpenAPI document (docs/api.md): no input makes a 5xx.

Every operation is called with generated input, as an anonymous client and with a token
of the national coordinator (the role that may do most), through the WSGI application:
no answer may be a 5xx, and every answer must be declared by its operation (status,
content type, schema). Bounded and deterministic: a fixed number of examples per
operation and ``derandomize``, so a failure is the same failure on the next run.

It runs on PostgreSQL only (``make test-postgres``, part of ``make test``): input checks
do not depend on the database, and what does (text PostgreSQL refuses, such as a NUL
character, or a number beyond a column's range) fails there and not on SQLite. Running it
once keeps the whole suite well inside CI's time.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from qamqor.accounts.models import ApiToken
from tests.factories import World, register_case, submit_report

pytestmark = pytest.mark.postgres

EXAMPLES = 12  # per operation and client: about 80 operations x 2 clients

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def national_token(world: World) -> str:
    # a registered case and a report awaiting triage, so that lists answer with rows whose
    # shape is checked, not only with empty pages
    register_case(world)
    submit_report(world.b.school)
    _token, raw = ApiToken.issue(world.national, "schemathesis")
    return raw


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> None:
    """Hundreds of calls from one address: the public limits would answer 429 (declared,
    but then nothing behind them is exercised)."""
    from django.conf import settings as django_settings

    for name in dir(django_settings):
        if name.endswith("_PER_HOUR"):
            setattr(settings, name, 10**9)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """The WSGI client sends Django's request signals, whose ``close_old_connections``
    would close the test's connection inside its transaction on PostgreSQL (every later
    query then fails: the 503 path). Django's own test client disconnects it the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@HYPOTHESIS
def test_anonymous_client(case: Any, world: World) -> None:
    case.call_and_validate(checks=CHECKS, headers={"Accept-Language": "en"})


@schema.parametrize()
@HYPOTHESIS
def test_national_coordinator_token(case: Any, national_token: str) -> None:
    case.call_and_validate(
        checks=CHECKS,
        headers={"Authorization": f"Bearer {national_token}", "Accept-Language": "en"},
    )
