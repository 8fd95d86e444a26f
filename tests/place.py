"""A small place for page tests, built inline with the ORM and the services: one region
with every body the bullying protocol routes to, members of its organisations, and a case
registered through the services. The page tests of several apps share it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client

from qamqor.accounts.models import Membership, User
from qamqor.cases import services as case_services
from qamqor.cases.models import Case
from qamqor.directory.models import ContactPerson, Organisation, Region
from qamqor.intake import services as intake_services
from tests.factories import CLASSIFICATION

VALID_REPORT = {
    "narrative": "Older pupils take my phone and laugh at me in the class chat.",
    "forms": ["bullying", "cyberbullying"],
    "setting": "school",
    "reporter_role": "child",
    "anonymous": "on",
}


def organisation(kind: str, code: str, region: Region | None) -> Organisation:
    org = Organisation.objects.create(
        kind=kind, code=code, region=region, name_kk=code, name_ru=code, name_en=f"{code} en"
    )
    ContactPerson.objects.create(
        organisation=org, full_name=f"Contact {code}", position="contact", is_designated=True
    )
    return org


def member(username: str, org: Organisation, role: str) -> User:
    user = User.objects.create_user(username=username, password=None)
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


@dataclass
class Place:
    region: Region
    school: Organisation
    other_school: Organisation
    psc: Organisation
    education: Organisation
    police: Organisation
    police_duty: Organisation


def build_place() -> Place:
    """A region with every body the bullying protocol routes to."""
    region = Region.objects.create(
        code="KZ-75", kind="city", name_kk="Алматы", name_ru="Алматы", name_en="Almaty"
    )
    return Place(
        region=region,
        school=organisation("school", "school-75-1", region),
        other_school=organisation("school", "school-75-2", region),
        psc=organisation("psc", "psc-75", region),
        education=organisation("education_department", "edu-75", region),
        police=organisation("juvenile_police", "police-75", region),
        police_duty=organisation("police_duty", "duty-75", region),
    )


def english_client() -> Client:
    """A visitor whose browser asks for English (the source language of the texts)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def signed_in(user: User) -> Client:
    client = english_client()
    client.force_login(user)
    return client


def new_case(place: Place, coordinator: User, **overrides: Any) -> Case:
    report = intake_services.submit_report(
        school=place.school,
        data={
            "narrative": "They push me in the corridor every day.",
            "forms": ["bullying"],
            "setting": "school",
            "reporter_role": "child",
            "anonymous": True,
        },
    ).report
    return case_services.register_case(
        report=report, actor=coordinator, classification={**CLASSIFICATION, **overrides}
    )
