"""Fixtures of the prevention tests: the shared world plus the head of school A1 and of
school A2, a second district in region A, and private schools."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import translation

from qamqor.accounts.models import Role, User
from qamqor.directory.models import District, Organisation
from tests.factories import World, build_world, make_organisation, make_user


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@dataclass
class Place:
    world: World
    head_a: User
    head_a2: User
    district2: District
    private1: Organisation  # district 1, region A
    public3: Organisation  # district 2, region A
    private2: Organisation  # district 2, region A


@pytest.fixture
def place(db: None) -> Place:
    world = build_world()
    region = world.a.region
    district2 = District.objects.create(
        region=region, code=f"{region.code}-D2", name_kk="D2", name_ru="D2", name_en="D2"
    )
    private1 = make_organisation(
        "school", "school-a-private-1", region, district=world.a.district, is_private=True
    )
    public3 = make_organisation("school", "school-a-3", region, district=district2)
    private2 = make_organisation(
        "school", "school-a-private-2", region, district=district2, is_private=True
    )
    return Place(
        world=world,
        head_a=make_user("head_a", world.a.school, Role.SCHOOL_HEAD),
        head_a2=make_user("head_a2", world.a.school2, Role.SCHOOL_HEAD),
        district2=district2,
        private1=private1,
        public3=public3,
        private2=private2,
    )


def signed_in(user: User, *, csrf: bool = True) -> Client:
    client = Client(enforce_csrf_checks=csrf, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def token(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return str(response.cookies["csrftoken"].value)
