"""The regulation library in the demo (docs/library.md): the real documents loaded as
references (their numbers, dates and registrations, never their texts), and a synthetic
algorithm with two versions published by the demo's national coordinator, so the demo
shows briefings due, acknowledged and missing, the summary's changes word by word, and a
methodological base with synthetic materials from the demo region and the coordinating
body.

Everything invented here says it is synthetic. Part of the seed's one transaction, so it
calls the services the pages' entry points wrap; it draws nothing from the seeded random
source, so the rest of the demo is the same with or without it.
"""

from __future__ import annotations

from typing import Any

from qamqor.accounts.models import Role
from qamqor.demo.world import DemoRegion
from qamqor.library import services
from qamqor.library.models import Acknowledgement, DocumentVersion
from qamqor.protocols.models import ProtocolVersion

SUMMARY_1 = {
    "kk": "Синтетикалық демо: мектеп психологы хабарламадан кейін 1 жұмыс күні ішінде баламен "
    "сөйлеседі және нәтижесін үйлестірушіге жазады.",
    "ru": "Синтетический пример: школьный психолог в течение 1 рабочего дня после сообщения "
    "беседует с ребёнком и записывает итог для координатора.",
    "en": "Synthetic demo: the school psychologist talks with the child within 1 working day of "
    "the report and writes the outcome down for the coordinator.",
}
SUMMARY_2 = {
    "kk": "Синтетикалық демо: мектеп психологы хабарламадан кейін 1 жұмыс күні ішінде баламен "
    "сөйлеседі, нәтижесін үйлестірушіге жазады және қажет болса ПҚО-ға жібереді.",
    "ru": "Синтетический пример: школьный психолог в течение 1 рабочего дня после сообщения "
    "беседует с ребёнком, записывает итог для координатора и при необходимости направляет в ЦПП.",
    "en": "Synthetic demo: the school psychologist talks with the child within 1 working day of "
    "the report, writes the outcome down for the coordinator and refers to the PSC when needed.",
}
CHANGES_2 = {
    "kk": "Синтетикалық демо: ПҚО-ға жіберу қадамы қосылды.",
    "ru": "Синтетический пример: добавлен шаг направления в ЦПП.",
    "en": "Synthetic demo: a step referring to the PSC is added.",
}

#: (titles, summaries, topics, roles, link, shared by the regional coordinator?)
MATERIALS: tuple[tuple[dict[str, str], dict[str, str], list[str], list[Role], str, bool], ...] = (
    (
        {
            "kk": "Синтетикалық демо: кибербуллинг туралы сынып сағаты",
            "ru": "Синтетический пример: классный час о кибербуллинге",
            "en": "Synthetic demo: a class hour on cyberbullying",
        },
        {
            "kk": "Сынып чатындағы қорлауды талқылау жоспары, 45 минут.",
            "ru": "План обсуждения травли в классном чате, 45 минут.",
            "en": "A plan for discussing mocking in the class chat, 45 minutes.",
        },
        ["bullying", "prevention"],
        [Role.SCHOOL_PSYCHOLOGIST, Role.SCHOOL_COORDINATOR],
        "https://example.invalid/demo/class-hour",
        True,
    ),
    (
        {
            "kk": "",
            "ru": "Синтетический пример: первая беседа при риске суицида",
            "en": "Synthetic demo: the first conversation when suicide risk is suspected",
        },
        {
            "kk": "",
            "ru": "Памятка для психологов ЦПП: вопросы, которые стоит задать, и когда звать 112.",
            "en": "A note for PSC psychologists: what to ask, and when to call 112.",
        },
        ["suicide"],
        [Role.PSC_PSYCHOLOGIST, Role.PSC_HEAD],
        "https://example.invalid/demo/first-conversation",
        False,
    ),
    (
        {
            "kk": "Синтетикалық демо: ата-аналармен келісім туралы әңгіме",
            "ru": "Синтетический пример: разговор с родителями о согласии",
            "en": "",
        },
        {
            "kk": "Ата-анаға психологиялық көмек туралы қалай түсіндіру керек.",
            "ru": "Как объяснить родителям, что такое психологическая помощь и зачем согласие.",
            "en": "",
        },
        ["consent", "parents"],
        [],
        "https://example.invalid/demo/consent-talk",
        True,
    ),
)


def library(site: DemoRegion) -> int:
    """Load the real documents, publish the synthetic algorithm's two versions, let half of
    those briefed on the first acknowledge it, share the materials; how many briefings."""
    services.load_documents.within()
    national = site.login[Role.NATIONAL_COORDINATOR]
    regional = site.login[Role.REGIONAL_COORDINATOR]
    document = services.record_document(
        actor=national,
        code="demo-bullying-response-algorithm",
        kind="algorithm",
        title_kk="Синтетикалық демо: мектепте буллингке ден қою алгоритмі",
        title_ru="Синтетический пример: алгоритм реагирования на буллинг в школе",
        title_en="Synthetic demo: the school's algorithm for responding to bullying",
        issuer="Synthetic demo entry",
    )
    first = services.record_version(
        actor=national,
        document=document,
        number="Synthetic demo, edition 1",
        effective_on=site.today.replace(month=1, day=10),
        affected_roles=[Role.SCHOOL_PSYCHOLOGIST],
        **_fields("summary", SUMMARY_1),
    )
    protocol = ProtocolVersion.objects.filter(code="bullying_outside_family").order_by("-version")
    services.record_version(
        actor=national,
        document=document,
        number="Synthetic demo, edition 2",
        effective_on=site.today,
        affected_roles=[Role.SCHOOL_PSYCHOLOGIST, Role.PSC_PSYCHOLOGIST],
        protocol_version=protocol.first(),
        **_fields("summary", SUMMARY_2),
        **_fields("changes", CHANGES_2),
    )
    _acknowledge_half(first)
    for titles, summaries, topics, roles, link, regional_practice in MATERIALS:
        services.record_material(
            actor=regional if regional_practice else national,
            topics=topics,
            roles=list(roles),
            url=link,
            **_fields("title", titles),
            **_fields("summary", summaries),
        )
    return Acknowledgement.objects.count()


def _fields(prefix: str, texts: dict[str, str]) -> dict[str, Any]:
    """``{"kk": …}`` as the service's keyword arguments (``summary_kk=…``)."""
    return {f"{prefix}_{lang}": text for lang, text in texts.items()}


def _acknowledge_half(version: DocumentVersion) -> None:
    """Every other briefing of ``version`` (by key) acknowledged by its own user."""
    briefings = list(version.acknowledgements.select_related("user").order_by("pk"))
    for acknowledgement in briefings[::2]:
        services.record_acknowledgement(actor=acknowledgement.user, acknowledgement=acknowledgement)
