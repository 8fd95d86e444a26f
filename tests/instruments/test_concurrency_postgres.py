"""Two tablets sending the same one-time code at the same moment: one submission is
scored, the other is told the answers were already sent; many different codes at once
are all scored (the audit chain stays intact)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import pytest
from django.db import connection

from qamqor.audit.services import verify_chain
from qamqor.errors import Conflict
from qamqor.instruments import fhir, services
from qamqor.instruments.models import Administration, Alert
from qamqor.instruments.services import fhir_import
from tests.factories import World, make_pupil
from tests.instruments.conftest import PHQ_A_ITEM_9

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("transactional_db")]


def run_at_once(
    jobs: Sequence[Callable[[], object]],
) -> tuple[list[object], list[BaseException]]:
    start = threading.Barrier(len(jobs), timeout=30)
    results: list[object] = []
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            start.wait()
            results.append(job())
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


def test_the_same_code_twice_at_once_is_scored_once(world: World) -> None:
    child = make_pupil(world.a.school)
    _a, code = services.invite(
        actor=world.psychologist_a, child=child, instrument_code="phq_a", language="ru"
    )
    results, errors = run_at_once(
        [lambda: services.submit_by_code(code=code, answers=PHQ_A_ITEM_9)] * 2
    )
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    assert Administration.objects.get().status == "completed"
    assert Alert.objects.count() == 1


def test_many_codes_at_once_are_all_scored(world: World) -> None:
    codes = []
    for _ in range(12):
        child = make_pupil(world.a.school)
        codes.append(
            services.invite(
                actor=world.psychologist_a, child=child, instrument_code="who5", language="kk"
            )[1]
        )
    answers = {f"q{i}": "3" for i in range(1, 6)}
    jobs = [(lambda c=c: services.submit_by_code(code=c, answers=answers)) for c in codes]
    results, errors = run_at_once(jobs)
    assert errors == [] and len(results) == 12
    assert Administration.objects.filter(status="completed", score=60).count() == 12
    assert verify_chain().intact


def test_the_same_response_imported_at_once_is_one_administration(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both imports pass the "already imported?" check before either has stored its row
    (forced here: the first check of each thread sees nothing); the unique constraint on the
    source makes the second wait for the first and then answer with its administration."""
    child = make_pupil(world.a.school, age=14)
    resource = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{fhir.canonical_url('gad7')}|1",
        "status": "completed",
        "identifier": {"system": "https://mis.example.kz/responses", "value": "R-42"},
        "subject": {"identifier": {"value": child.code}},
        "item": [
            {"linkId": f"q{i}", "answer": [{"valueCoding": {"code": "0"}}]} for i in range(1, 8)
        ],
    }
    parsed = fhir.parse_response(resource)
    real_check = fhir_import._already_imported
    seen = threading.local()

    def check_after_the_other_has_checked(**kwargs: object) -> object:
        if not getattr(seen, "checked", False):
            seen.checked = True
            return None
        return real_check(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fhir_import, "_already_imported", check_after_the_other_has_checked)
    results, errors = run_at_once(
        [lambda: services.import_response(actor=world.psychologist_a, child=child, parsed=parsed)]
        * 2
    )
    assert errors == [], errors
    assert sorted(r.created for r in results) == [False, True]  # type: ignore[attr-defined]
    assert len({r.administration.pk for r in results}) == 1  # type: ignore[attr-defined]
    assert Administration.objects.get().source_id == "R-42"
