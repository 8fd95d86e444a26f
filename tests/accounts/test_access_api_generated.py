"""Permission cases for the API and the object pages, generated from the rules (NetBox's
``utilities/testing/api.py``): every operation of the OpenAPI document must have a guard
registered in an app's ``rules.py`` (``access.operations``), else this fails; every
operation answers 401 to an anonymous caller unless it is public; every read is called as
every persona, its path filled from the objects of one small world (a case, a report, a
child in care, a referral, a consent, a consultation, a crisis basis, a screening and a
campaign of school A1 in region A), and answers 2xx exactly when the guard's gate and rule
let the persona see the object, else 401/403/404; a write to an object the persona may not
see never succeeds. Object pages (a case, a child, a referral, a consultation …) answer 200
or 404 by the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.utils import timezone

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.intake.models import Report
from tests.factories import (
    World,
    add_care_personas,
    build_world,
    care_pupil,
    make_pupil,
    record_parent_consent,
    refer_to_psc,
    register_case,
)

PREFIX = "/api/v1"
READ = "get"
PARAMETER = re.compile(r"{(\w+)}")


@dataclass
class Place:
    """The objects the paths are filled from, one of each model, all in school A1."""

    world: World
    objects: dict[str, models.Model]
    examples: dict[str, dict[str, str]]


def build_place() -> Place:
    from qamqor.care import services as care_services
    from qamqor.instruments import services as screening_services

    world = build_world()
    add_care_personas(world)
    case = register_case(world)
    pupil = care_pupil(world)
    referral = refer_to_psc(world, pupil)
    consent = record_parent_consent(world, pupil, world.a.school, world.psychologist_a)
    basis = care_services.record_crisis_basis(
        actor=world.psc_a,
        child=referral.child,
        organisation=world.a.psc,
        ground="self_harm",
        justification="Cuts on the arm seen by the nurse today; parents abroad.",
    )
    consultation = care_services.record_consultation(
        actor=world.psc_a,
        organisation=world.a.psc,
        child=referral.child,
        format="online",
        topic="crisis",
        held_at=timezone.now(),
        duration_minutes=40,
        next_appointment_at=timezone.now() + timedelta(days=3),
    )
    screened = make_pupil(world.a.school, age=13)
    started = screening_services.start_screening(
        actor=world.psychologist_a,
        child=screened,
        instrument_code="gad7",
        mode="interview",
        language="kk",
    )
    today = screening_services.today()
    campaign = screening_services.create_campaign(
        actor=world.psychologist_a,
        title="Spring screening 7A",
        instrument_code="phq_a",
        area=screening_services.CampaignArea(
            level="school", region=world.a.region, school=world.a.school
        ),
        opens_on=today,
        closes_on=today + timedelta(days=21),
        language="kk",
    )
    objects: dict[str, models.Model] = {
        "cases.Case": case,
        "intake.Report": Report.objects.get(case=case),
        "cases.Child": pupil,
        "referrals.Referral": referral,
        "care.ConsentRecord": consent,
        "care.CrisisBasis": basis,
        "care.Consultation": consultation,
        "instruments.Administration": started.administration,
        "instruments.Campaign": campaign,
    }
    place = Place(world=world, objects=objects, examples={})
    place.examples = examples(place)
    return place


def api_operations() -> list[tuple[str, str]]:
    """(method, path below /api/v1) of every operation of the OpenAPI document."""
    from qamqor.api import api

    document = api.get_openapi_schema()
    return sorted(
        (method, path.removeprefix(PREFIX))
        for path, operations in document["paths"].items()
        for method in operations
    )


def key(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def test_every_api_operation_has_a_guard() -> None:
    """A new operation without a registered guard (a gate, a rule, public or own) fails."""
    guards = access.registered_operations()
    missing = [key(m, p) for m, p in api_operations() if key(m, p) not in guards]
    assert not missing, f"register a guard in the app's rules.py: {missing}"
    stale = set(guards) - {key(m, p) for m, p in api_operations()}
    assert not stale, f"guards of operations that no longer exist: {sorted(stale)}"


#: Path parameters that are not a field of the guard's object, by name.
ALIASES = {"appeal_id": "id"}


def examples(place: Place) -> dict[str, dict[str, str]]:
    """Values for paths that name something other than a guarded object."""
    from qamqor.protocols.models import ProtocolVersion

    version = ProtocolVersion.objects.order_by("pk").first()
    assert version is not None
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    return {
        "GET /protocols/{code}/{version}": {"code": version.code, "version": str(version.version)},
        "GET /screenings/instruments/{code}": {"code": "gad7"},
        "GET /screenings/instruments/{code}/fhir": {"code": "gad7"},
        "GET /care/work-log/{week}": {"week": monday.isoformat()},
    }


#: Query parameters a read requires, by operation.
QUERIES = {
    "GET /screenings/aggregates": {"instrument": "gad7"},
    "GET /stats/dhis2": {"indicator": "cases_registered", "start": "2026-01", "end": "2026-01"},
}


@pytest.fixture
def operator_settings(settings: Any, tmp_path: Any) -> None:
    """What an operator configures for operations that need it: a DHIS2 mapping."""
    mapping = tmp_path / "dhis2.json"
    mapping.write_text('{"dataSet": "DsQamqor001", "dataElements": {}, "orgUnits": {}}')
    settings.QAMQOR_DHIS2_MAPPING = str(mapping)


def fill(operation: str, path: str, guard: access.Guard, place: Place) -> tuple[str, bool]:
    """The path with its parameters taken from the world's object of the guard's model (or
    an example); False when it names an object the world does not hold (a key nobody has:
    every persona gets 404)."""
    given = place.examples.get(operation, {})
    obj = place.objects.get(guard.model or "")
    found = True

    def value(match: re.Match[str]) -> str:
        nonlocal found
        name = match.group(1)
        if name in given:
            return given[name]
        attribute = getattr(obj, ALIASES.get(name, name), None) if obj is not None else None
        if attribute is None:
            found = False
            return "00000000-0000-4000-8000-000000000000" if "id" in name else "0"
        return str(attribute)

    return PARAMETER.sub(value, path), found


def allowed(user: User, guard: access.Guard, place: Place, *, listing: bool) -> bool:
    """Whether the guard lets ``user`` see the world's object (a listing: any row)."""
    if guard.model is not None and not listing and guard.model not in place.objects:
        return False
    if guard.gate is not None and not access.allows(user, guard.gate):
        return False
    if guard.model is None:
        return True
    model: Any = apps.get_model(guard.model)
    rows = model._default_manager.filter(access.filter_for(user, guard.model, guard.action))
    if listing:
        return bool(rows.exists())
    obj = place.objects[guard.model]
    return bool(rows.filter(pk=obj.pk).exists())


def items(response: Any) -> list[Any]:
    body = response.json()
    if isinstance(body, dict):
        return list(body.get("items", [body]))
    return list(body)


@pytest.mark.django_db
@pytest.mark.usefixtures("operator_settings")
def test_every_api_operation_answers_each_persona_as_its_guard_says() -> None:
    place = build_place()
    guards = access.registered_operations()
    anonymous = Client()
    clients: dict[str, Client] = {}
    for persona, user in place.world.users.items():
        clients[persona] = Client()
        clients[persona].force_login(user)
    wrong: list[tuple[str, str, int, str]] = []
    for method, path in api_operations():
        operation = key(method, path)
        guard = guards.get(operation)
        if guard is None:
            continue  # test_every_api_operation_has_a_guard names it
        url, found = fill(operation, path, guard, place)
        send = getattr(anonymous, method)
        if not guard.public:
            status = send(PREFIX + url, content_type="application/json").status_code
            if status != 401:
                wrong.append((key(method, path), "anonymous", status, "expected 401"))
        if method != READ and not PARAMETER.search(path):
            continue  # a write without an object: its service refuses (tested with the app)
        listing = not PARAMETER.search(path)
        for persona, user in place.world.users.items():
            client = clients[persona]
            sees = found and allowed(user, guard, place, listing=listing)
            if method != READ:
                if sees:
                    continue  # writes as those who may: the apps' own tests
                status = getattr(client, method)(
                    PREFIX + url, data={}, content_type="application/json"
                ).status_code
                if 200 <= status < 300:
                    wrong.append((key(method, path), persona, status, "a write succeeded"))
                continue
            response = client.get(PREFIX + url, QUERIES.get(operation, {}))
            status = response.status_code
            if guard.signed_in or guard.public:  # their own, or a refusal naming why
                ok = 200 <= status < 300 or status in (403, 404, 422)
            elif sees:
                ok = 200 <= status < 300
            elif listing:
                ok = status in (403, 404) or (status == 200 and not items(response))
            else:
                ok = status in (403, 404)
            if not ok:
                wrong.append((key(method, path), persona, status, f"sees={sees}"))
    assert not wrong, "\n".join(map(str, wrong))


#: The pages of one object, by URL name: the model and action whose rule decides who opens
#: them. Their argument is the object's (``number``, ``code``, ``public_id``).
OBJECT_PAGES: dict[str, tuple[str, str]] = {
    "case-detail": ("cases.Case", "view"),
    "case-summary": ("cases.Case", "view"),
    "case-notices": ("cases.Case", "view"),
    "report-detail": ("intake.Report", "view"),
    "care-child": ("cases.Child", "view"),
    "care-consultation": ("care.Consultation", "view"),
    "referral-detail": ("referrals.Referral", "view"),
    "screening-child": ("cases.Child", "screen"),
    "screening-result": ("instruments.Administration", "view"),
    "campaign-detail": ("instruments.Campaign", "view"),
    "campaign-follow-up": ("instruments.Campaign", "follow_up"),
}


def page_of(name: str, obj: models.Model) -> str:
    """The page's address for ``obj``, by whichever of its keys the route takes."""
    from django.urls import NoReverseMatch, reverse

    for field in ("number", "code", "public_id"):
        if hasattr(obj, field):
            try:
                return reverse(name, kwargs={field: getattr(obj, field)})
            except NoReverseMatch:
                continue
    raise AssertionError(f"{name} takes none of the keys of {obj!r}")


@pytest.mark.django_db
def test_every_object_page_answers_each_persona_as_its_rule_says() -> None:
    """A persona of another school or region gets 404 on a case, a child, a referral, a
    consultation …; those the rule lets see it get the page."""
    place = build_place()
    wrong: list[tuple[str, str, int, bool]] = []
    for name, (label, action) in OBJECT_PAGES.items():
        obj = place.objects[label]
        url = page_of(name, obj)
        rows = type(obj)._default_manager.filter(pk=obj.pk)
        for persona, user in place.world.users.items():
            client = Client()
            client.force_login(user)
            sees = rows.filter(access.filter_for(user, label, action)).exists()
            status = client.get(url).status_code
            if status != (200 if sees else 404):
                wrong.append((name, persona, status, sees))
    assert not wrong, "\n".join(map(str, wrong))
