"""What the teacher-violence protocol tells the child's legal representatives (brief 1.3.5):
a short notice that the report is registered and goes to the Pedagogical Ethics Council,
drafted when the step opens and reviewed by the school; after the council, the date of its
meeting, again reviewed. Never to the alleged perpetrator or a person marked "do not
contact"; no details of the allegation in either text."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from qamqor.accounts.models import User
from qamqor.cases import parties
from qamqor.cases.models import Case, LegalRepresentative
from qamqor.notify import sms
from qamqor.notify.models import Notification
from qamqor.protocols import services as protocol_services
from qamqor.protocols.models import RepresentativeNotice, Step
from qamqor.protocols.outputs import sample_output
from tests.factories import World, register_case

NARRATIVE_WORD = "Zhanibek"  # only in the report's narrative: never in a notice


def teacher_case(world: World) -> tuple[Case, dict[str, LegalRepresentative]]:
    school = world.a.school  # a long name: the SMS texts are designed to fit anyway
    school.name_kk = "№ 127 жалпы білім беретін мектеп-гимназиясы"
    school.name_ru = "Общеобразовательная школа-гимназия № 127"
    school.save()
    case = register_case(
        world,
        perpetrator_relationship="teacher_school_official",
        forms=["psychological_emotional"],
        repeated=False,
        narrative=f"The teacher {NARRATIVE_WORD} shouted at the child in class every day.",
    )
    parties.attach_child(case=case, actor=world.coordinator_a, data={"sex": "girl"})
    case.refresh_from_db()
    people: dict[str, dict[str, Any]] = {
        "mother": {
            "full_name": "Aigerim Mother",
            "relationship": "mother",
            "email": "mother@test.qamqor.invalid",
            "phone": "+77011234567",
            "language": "ru",
        },
        "father": {
            "full_name": "Bolat Father",
            "relationship": "father",
            "email": "father@test.qamqor.invalid",
            "phone": "+77017654321",
            "language": "kk",
            "is_alleged_perpetrator": True,
        },
        "uncle": {
            "full_name": "Daulet Uncle",
            "relationship": "other_relative",
            "email": "uncle@test.qamqor.invalid",
            "language": "en",
            "do_not_contact": True,
            "do_not_contact_reason": "Works at the same school.",
        },
    }
    recorded = {
        name: parties.add_legal_representative(case=case, actor=world.coordinator_a, data=data)
        for name, data in people.items()
    }
    return case, recorded


def fits_two_sms(notice: RepresentativeNotice) -> bool:
    return all(len(sms.split_text(notice.texts[code]["sms"])) <= 2 for code in ("kk", "ru"))


def to(person: LegalRepresentative) -> list[Notification]:
    addresses = [a for a in (person.email, person.phone) if a]
    return list(Notification.objects.to_address(*addresses).order_by("pk"))


def page_client(user: User) -> Client:
    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def confirm_on_page(client: Client, case: Case, notice: RepresentativeNotice) -> Any:
    page_url = reverse("case-notices", args=[case.number])
    html = client.get(page_url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    fields = {
        f"notice-{notice.pk}-{code}_{part}": notice.texts[code][part]
        for code in notice.texts
        for part in ("subject", "body", "sms")
    }
    url = reverse("case-notice-confirm", args=[case.number, notice.pk])
    assert client.post(url, fields).status_code == 403  # no CSRF token: refused
    notice.refresh_from_db()
    assert notice.status == "draft"
    return client.post(url, {**fields, "csrfmiddlewaretoken": token.group(1)})


def test_the_report_notice_waits_for_review_and_reaches_only_who_may_be_told(
    world: World,
) -> None:
    case, people = teacher_case(world)
    [draft] = RepresentativeNotice.objects.filter(case=case)
    assert draft.step.key == "legal_representatives_notice"
    assert (draft.template, draft.trigger) == ("teacher_violence_report_notice", "step_opened")
    assert draft.status == "draft" and draft.review
    assert [to(person) for person in people.values()] == [[], [], []]  # not before review
    assert Notification.objects.filter(
        template="representative_notice_review", recipient=world.coordinator_a
    ).exists()
    for language in ("kk", "ru", "en"):
        texts = draft.texts[language]
        assert case.number in texts["body"] and case.number in texts["sms"]
        assert NARRATIVE_WORD not in texts["body"] + texts["sms"] + texts["subject"]
    assert "Pedagogical Ethics Council" in draft.texts["en"]["body"]
    assert "совет по педагогической этике" in draft.texts["ru"]["sms"]
    assert fits_two_sms(draft)

    response = confirm_on_page(page_client(world.coordinator_a), case, draft)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "sent"
    email, sms_text = to(people["mother"])
    assert (email.channel, sms_text.channel) == ("email", "sms")
    assert email.body == draft.texts["ru"]["body"] and sms_text.body == draft.texts["ru"]["sms"]
    assert to(people["father"]) == [] and to(people["uncle"]) == []
    reasons = set(
        case.events.filter(payload__notice=draft.pk).values_list("payload__reason", flat=True)
    )
    assert reasons == {"alleged_perpetrator", "do_not_contact"}


def test_the_council_meeting_date_goes_after_review(world: World) -> None:
    case, people = teacher_case(world)
    review = Step.objects.get(case=case, key="education_department_review")
    protocol_services.complete_step(
        step=review, actor=world.regional_a, output=sample_output(review.spec, "Seen")
    )
    council = Step.objects.get(case=case, key="ethics_council")
    protocol_services.complete_step(
        step=council,
        actor=world.coordinator_a,
        output={**sample_output(council.spec, "Council"), "meeting_date": "2026-12-15"},
    )
    draft = RepresentativeNotice.objects.get(step=council)
    assert draft.template == "ethics_council_meeting_notice" and draft.status == "draft"
    assert to(people["mother"]) == []  # nothing before the school has read it
    assert fits_two_sms(draft)

    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    client.force_login(world.coordinator_a)
    client.cookies["csrftoken"] = "t" * 32
    url = f"/api/v1/cases/{case.number}/notices/{draft.pk}/confirm"
    refused = client.post(url, {}, content_type="application/json")
    assert refused.status_code == 403  # a session write without the CSRF token
    confirmed = client.post(
        url, {}, content_type="application/json", headers={"X-CSRFToken": "t" * 32}
    )
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "sent"

    email, sms_text = [n for n in to(people["mother"]) if n.template == draft.template]
    for text in (email.subject, email.body, sms_text.body):
        assert "15.12.2026" in text
    assert "Совет по педагогической этике" in email.body
    assert NARRATIVE_WORD not in email.body + sms_text.body
    assert to(people["father"]) == [] and to(people["uncle"]) == []
