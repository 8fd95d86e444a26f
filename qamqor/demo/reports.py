"""The demo's reports: what reporters say, when they said it, and what triage made of it.

Each planned report is submitted through ``intake.services`` and then left new, dismissed
(one closed as untrue), or registered as a case that ``qamqor.demo.cases`` takes through
its protocol; afterwards its receipt and triage are moved back to the planned moments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from qamqor.cases.models import Case
from qamqor.classification import (
    ChildSex,
    PerpetratorRelationship,
    RiskLevel,
    Setting,
    ViolenceForm,
)
from qamqor.demo import cases as demo_cases
from qamqor.demo.world import HISTORY_DAYS, DemoWorld, between, weighted
from qamqor.directory.models import Organisation
from qamqor.intake import alerts as intake_alerts
from qamqor.intake import services as intake_services
from qamqor.intake.models import Channel, LifeSafetyAlert, Report, ReporterRole
from qamqor.protocols import services as protocol_services
from qamqor.protocols.workdays import ALMATY


@dataclass(frozen=True)
class Scenario:
    """One kind of synthetic report: what the reporter says, and how triage classifies it."""

    forms: tuple[str, ...]
    setting: str
    reporter_role: str
    summary: str
    narrative: dict[str, str]
    perpetrator: str = PerpetratorRelationship.UNKNOWN
    self_harm: bool = False


SCENARIOS = (
    Scenario(
        (ViolenceForm.BULLYING, ViolenceForm.PSYCHOLOGICAL_EMOTIONAL),
        Setting.SCHOOL,
        ReporterRole.CHILD,
        "repeated mocking and pushing by older pupils at school",
        {
            "kk": "Жоғары сынып оқушылары әр үзілісте мені мазақтап, дәлізде итереді. "
            "Бұл бірнеше аптадан бері жалғасып келеді.",
            "ru": "Старшеклассники высмеивают меня на каждой перемене и толкают в коридоре. "
            "Это продолжается уже несколько недель.",
            "en": "Older pupils mock me every break and push me in the corridor. "
            "It has gone on for weeks.",
        },
        PerpetratorRelationship.SCHOOLMATE,
    ),
    Scenario(
        (ViolenceForm.CYBERBULLYING,),
        Setting.ONLINE,
        ReporterRole.CHILD,
        "fake account with the child's photos, insults from classmates",
        {
            "kk": "Біреу менің суреттеріммен жалған аккаунт ашып, сыныптастарым әр жазбаның "
            "астына қорлау сөздер жазады.",
            "ru": "Кто-то создал фейковый аккаунт с моими фотографиями, и одноклассники пишут "
            "оскорбления под каждым постом.",
            "en": "Someone made a fake account with my photos and classmates write insults "
            "under every post.",
        },
        PerpetratorRelationship.SCHOOLMATE,
    ),
    Scenario(
        (ViolenceForm.PHYSICAL, ViolenceForm.BULLYING),
        Setting.SCHOOL,
        ReporterRole.PARENT,
        "a group of pupils beat the child behind the school",
        {
            "kk": "Сабақтан кейін бір топ бала ұлымды мектептің артында ұрып-соқты, ол үйге "
            "көгерген жерлерімен келді.",
            "ru": "Группа мальчиков избила моего сына за школой после уроков, он пришёл домой "
            "с синяками.",
            "en": "A group of boys beat my son behind the school after lessons; he came home "
            "with bruises.",
        },
        PerpetratorRelationship.SCHOOLMATE,
    ),
    Scenario(
        (ViolenceForm.ECONOMIC, ViolenceForm.BULLYING),
        Setting.SCHOOL,
        ReporterRole.CHILD,
        "money taken every day under threats",
        {
            "kk": "Басқа сыныптың оқушылары күн сайын түскі асқа берілген ақшамды тартып алып, "
            "біреуге айтсам қорқытады.",
            "ru": "Ученики из другого класса каждый день отбирают у меня деньги на обед и "
            "угрожают, если я кому-то расскажу.",
            "en": "Pupils from another class take my lunch money every day and threaten me "
            "if I tell anyone.",
        },
        PerpetratorRelationship.SCHOOLMATE,
    ),
    Scenario(
        (ViolenceForm.ONLINE_SEXUAL_EXPLOITATION, ViolenceForm.CYBERBULLYING),
        Setting.ONLINE,
        ReporterRole.WITNESS,
        "an adult met in an online game demands private photos",
        {
            "kk": "Құрбымның онлайн ойында танысқан ересек адам одан жеке суреттер сұрап, "
            "хаттарын жариялаймын деп қорқытады.",
            "ru": "Взрослый, с которым подруга познакомилась в онлайн-игре, требует у неё "
            "личные фото и угрожает опубликовать переписку.",
            "en": "An adult my friend met in an online game asks her for private photos and "
            "threatens to publish their chat.",
        },
        PerpetratorRelationship.NO_RELATION,
    ),
    Scenario(
        (ViolenceForm.PHYSICAL,),
        Setting.COMMUNITY,
        ReporterRole.WITNESS,
        "teenagers from a neighbouring yard attack the child on the way home",
        {
            "kk": "Көрші ауладағы жасөспірімдер қарындасымды үйге қайтар жолда күтіп алып, ұрады.",
            "ru": "Подростки из соседнего двора поджидают мою сестру по дороге домой и бьют её.",
            "en": "Teenagers from the neighbouring yard wait for my sister on the way home "
            "and hit her.",
        },
        PerpetratorRelationship.SCHOOLMATE,
    ),
    Scenario(
        (ViolenceForm.PSYCHOLOGICAL_EMOTIONAL, ViolenceForm.PHYSICAL),
        Setting.OTHER_INSTITUTION,
        ReporterRole.PARENT,
        "a sports coach insults children and makes them train injured",
        {
            "kk": "Спорт секциясында жаттықтырушы балаларға айқайлап, ат қойып, жарақатпен "
            "жаттығуға мәжбүрлейді.",
            "ru": "В спортивной секции тренер кричит на детей, обзывает их и заставляет "
            "тренироваться с травмами.",
            "en": "At the sports section the coach shouts at the children, calls them names "
            "and makes them train when injured.",
        },
        PerpetratorRelationship.SERVICE_PROVIDER,
    ),
    Scenario(
        (ViolenceForm.OTHER,),
        Setting.UNKNOWN,
        ReporterRole.WITNESS,
        "a classmate stopped coming to school and says she is afraid",
        {
            "kk": "Сыныбымыздағы бір қыз мектепке келмей қалды және қорқатынын жазады; не "
            "болғанын білмеймін.",
            "ru": "Девочка из нашего класса перестала ходить в школу и пишет, что ей страшно; "
            "я не знаю, что случилось.",
            "en": "A girl from our class has stopped coming to school and writes that she is "
            "afraid; I do not know what happened.",
        },
    ),
    Scenario(
        (ViolenceForm.PSYCHOLOGICAL_EMOTIONAL, ViolenceForm.BULLYING),
        Setting.SCHOOL,
        ReporterRole.CHILD,
        "the class was told not to speak to the child",
        {
            "kk": "Бүкіл сыныпқа менімен сөйлеспеуді айтқан, тақта алдында жауап бергенімде "
            "бәрі күледі.",
            "ru": "Всему классу сказали не разговаривать со мной, и все смеются, когда я "
            "отвечаю у доски.",
            "en": "The whole class was told not to talk to me, and they laugh when I answer "
            "at the board.",
        },
        PerpetratorRelationship.SCHOOLMATE,
    ),
    # The other protocols (brief 1.4.2): family, school staff, suicide risk, sexual violence.
    Scenario(
        (ViolenceForm.PHYSICAL, ViolenceForm.PSYCHOLOGICAL_EMOTIONAL),
        Setting.FAMILY,
        ReporterRole.STAFF,
        "bruises noticed at school; the child says the stepfather hits him at home",
        {
            "kk": "Сынып жетекшісі ретінде оқушының қолындағы көгерген жерлерді байқадым; ол "
            "үйде өгей әкесі ұратынын айтты.",
            "ru": "Как классный руководитель, я заметила синяки на руках ученика; он сказал, "
            "что дома его бьёт отчим.",
            "en": "As the class teacher I noticed bruises on a pupil's arms; he said his "
            "stepfather hits him at home.",
        },
        PerpetratorRelationship.PRIMARY_CAREGIVER,
    ),
    Scenario(
        (ViolenceForm.NEGLECT,),
        Setting.FAMILY,
        ReporterRole.OTHER,
        "young children left alone at home for days without food",
        {
            "kk": "Көрші пәтердегі кішкентай балалар бірнеше күн бойы тамақсыз жалғыз қалады, "
            "ата-анасы үйге сирек келеді.",
            "ru": "Маленькие дети из соседней квартиры по несколько дней остаются одни без еды, "
            "родители редко бывают дома.",
            "en": "The small children next door are left alone for days without food; the "
            "parents are rarely at home.",
        },
        PerpetratorRelationship.PRIMARY_CAREGIVER,
    ),
    Scenario(
        (ViolenceForm.PSYCHOLOGICAL_EMOTIONAL, ViolenceForm.PHYSICAL),
        Setting.SCHOOL,
        ReporterRole.PARENT,
        "a teacher shouts at the child in front of the class and pulls his ear",
        {
            "kk": "Математика мұғалімі ұлыма бүкіл сыныптың алдында айқайлап, құлағынан "
            "тартады; ұлым мектепке барудан қорқады.",
            "ru": "Учитель математики кричит на сына перед всем классом и дёргает его за ухо; "
            "сын боится идти в школу.",
            "en": "The maths teacher shouts at my son in front of the whole class and pulls "
            "his ear; he is afraid to go to school.",
        },
        PerpetratorRelationship.TEACHER_SCHOOL_OFFICIAL,
    ),
    Scenario(
        (ViolenceForm.CYBERBULLYING, ViolenceForm.PSYCHOLOGICAL_EMOTIONAL),
        Setting.ONLINE,
        ReporterRole.WITNESS,
        "after classmates' messages a girl wrote that she does not want to live",
        {
            "kk": "Құрбым сыныптастарының хаттарынан кейін өмір сүргісі келмейтінін жазып, "
            "қоштасу жазбасын жариялады.",
            "ru": "Подруга написала, что не хочет жить после сообщений одноклассников, и "
            "выложила прощальный пост.",
            "en": "My friend wrote that she does not want to live after the messages from "
            "classmates, and posted a farewell.",
        },
        PerpetratorRelationship.SCHOOLMATE,
        self_harm=True,
    ),
    Scenario(
        (ViolenceForm.SEXUAL,),
        Setting.COMMUNITY,
        ReporterRole.PARENT,
        "an adult neighbour waited for the girl in the stairwell and touched her",
        {
            "kk": "Ересек көршіміз қызымды подъезде күтіп алып, оған қол тигізген; қызым қатты "
            "қорқып жүр.",
            "ru": "Взрослый сосед подкараулил дочь в подъезде и трогал её; дочь очень напугана.",
            "en": "An adult neighbour waited for my daughter in the stairwell and touched her; "
            "she is very frightened.",
        },
        PerpetratorRelationship.OTHER_ADULT_KNOWN,
    ),
)

NARRATIVE_MARKER = {
    "kk": "Synthetic demo report (синтетикалық демо-хабарлама, шын оқиға емес): ",
    "ru": "Synthetic demo report (синтетическое демо-обращение, не реальный случай): ",
    "en": "Synthetic demo report (not a real event): ",
}
_TEST_NARRATIVE = "Synthetic demo report: checking that the QR code form works, please ignore."
_DISMISSAL_REASONS = (
    "Synthetic demo: a test submission, not about a child's safety.",
    "Synthetic demo: duplicate of a report already registered.",
)
_CHANNELS = (
    (Channel.WEB_FORM, 55),
    (Channel.STAFF_ENTRY, 20),
    (Channel.HELPLINE_111, 15),
    (Channel.EMAIL, 5),
    (Channel.CHATBOT, 5),
)
_LANGUAGES = (("ru", 50), ("kk", 40), ("en", 10))


@dataclass
class Planned:
    """A report to submit, what triage will make of it, and when it all happened."""

    outcome: str  # "new", "dismissed" or a case status
    school: Organisation
    received_at: datetime
    triaged_at: datetime | None = None
    scenario: Scenario | None = None  # chosen in advance; else drawn when it is played


def plan(world: DemoWorld, cases: int) -> list[Planned]:
    """What happens to each report, and when; in the order the services must run."""
    rng = world.rng
    local_now = timezone.localtime(world.now, ALMATY)
    year_start = local_now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    # Case numbers carry the year of registration, so the history stays in this year.
    earliest = max(world.now - timedelta(days=HISTORY_DAYS), year_start)
    latest = max(earliest, world.now - timedelta(minutes=10))
    demo_school = world.schools[0]

    def school() -> Organisation:
        return demo_school if rng.random() < 0.1 else rng.choice(world.schools)

    def delay() -> timedelta:
        return timedelta(minutes=10) + timedelta(hours=36) * rng.random() ** 2

    plans: list[Planned] = []
    for _ in range(cases):
        # More cases lately than three months ago, as when a service is taken up.
        triaged = latest - (latest - earliest) * rng.random() ** 1.6
        plans.append(Planned("case", school(), triaged - delay(), triaged))
    _assign_case_states(world, plans)
    _cover_every_protocol(plans, demo_school)
    for _ in range(max(1, cases // 12)):
        triaged = between(rng, earliest, latest)
        plans.append(Planned("dismissed", school(), triaged - delay(), triaged))
    for _ in range(max(1, cases // 8)):
        received = between(rng, max(earliest, world.now - timedelta(days=10)), latest)
        plans.append(Planned("new", school(), received))
    # The demo logins should see something in every state.
    seen: set[str] = set()
    for planned in plans:
        if planned.outcome not in seen:
            planned.school = demo_school
            seen.add(planned.outcome)
    plans.sort(key=lambda planned: planned.triaged_at or planned.received_at)
    return plans


def _assign_case_states(world: DemoWorld, plans: list[Planned]) -> None:
    """Older cases are mostly closed; open ones are recent or stuck (and then overdue)."""
    rng = world.rng
    for planned in plans:
        assert planned.triaged_at is not None  # noqa: S101  cases are always triaged
        age_days = (world.now - planned.triaged_at) / timedelta(days=1)
        if rng.random() < min(0.92, max(0.0, (age_days - 4) / 30)):
            planned.outcome = Case.Status.CLOSED
        elif (age_days < 3 and rng.random() < 0.6) or rng.random() < 0.15:
            planned.outcome = Case.Status.REGISTERED
        else:
            planned.outcome = Case.Status.IN_PROGRESS
    if len(plans) < len(Case.Status):
        return
    # Even a small demo shows every state: the oldest case closed, the newest untouched.
    by_age = sorted(plans, key=lambda planned: planned.triaged_at or planned.received_at)
    wanted = {
        Case.Status.CLOSED: by_age[0],
        Case.Status.REGISTERED: by_age[-1],
        Case.Status.IN_PROGRESS: by_age[len(by_age) // 2],
    }
    if {planned.outcome for planned in plans} != set(wanted):
        for status, planned in wanted.items():
            planned.outcome = status


def protocol_scenarios() -> dict[str, Scenario]:
    """For each protocol the scenarios call for, the first scenario that calls for it."""
    found: dict[str, Scenario] = {}
    for scenario in SCENARIOS:
        code = protocol_services.protocol_for_classification(
            {
                "setting": scenario.setting,
                "forms": list(scenario.forms),
                "perpetrator_relationship": scenario.perpetrator,
                "self_harm_risk": scenario.self_harm,
            }
        )
        found.setdefault(code, scenario)
    return found


def _cover_every_protocol(plans: list[Planned], demo_school: Organisation) -> None:
    """Every protocol has a case in progress at the demo school, among the recent cases
    (not the newest, left registered, nor the middle one, in progress already), so that
    the demo logins see each protocol at work. No random draw: the rest stays as it was."""
    scenarios = list(protocol_scenarios().values())
    by_age = sorted(plans, key=lambda planned: planned.triaged_at or planned.received_at)
    if len(by_age) < len(Case.Status) + len(scenarios) + 1:
        return
    middle = by_age[len(by_age) // 2]
    recent = [planned for planned in reversed(by_age[1:-1]) if planned is not middle]
    for planned, scenario in zip(recent, scenarios, strict=False):
        planned.outcome = Case.Status.IN_PROGRESS
        planned.school = demo_school
        planned.scenario = scenario


def play(world: DemoWorld, planned: Planned) -> None:
    """Submit the report, triage it as planned, and move it back to its planned moments."""
    rng = world.rng
    scenario = rng.choice(SCENARIOS)  # drawn in any case: the draws stay in step
    if planned.scenario is not None:
        scenario = planned.scenario
    language = weighted(rng, _LANGUAGES)
    if planned.outcome == "dismissed" and rng.random() < 0.5:
        data = {**_report_data(world, scenario, language), "narrative": _TEST_NARRATIVE}
        reason = _DISMISSAL_REASONS[0]
    else:
        data = _report_data(world, scenario, language)
        reason = _DISMISSAL_REASONS[1]
    report = intake_services.submit_report.within(
        school=planned.school, data=data, channel=weighted(rng, _CHANNELS), language=language
    ).report
    status = planned.outcome if planned.outcome in ("new", "dismissed") else "registered"
    coordinator = world.school_coordinator[planned.school.pk]
    regional = world.regional_coordinator.get(planned.school.region_id or 0)
    if status == "dismissed" and not world.summary.reports["untrue"] and regional:
        # one report in the demo was found untrue and meant to harm: counted apart
        status = "untrue"
        intake_services.close_as_untrue.within(
            report=report,
            actor=regional,
            reason="Synthetic demo: the report was found untrue and meant to harm.",
        )
    world.summary.reports[status] += 1
    if planned.outcome == "dismissed" and status == "dismissed":
        intake_services.dismiss_report.within(report=report, actor=coordinator, reason=reason)
    elif planned.outcome not in ("new", "dismissed"):
        registrar = coordinator
        if rng.random() < 0.2 and planned.school.region_id in world.regional_coordinator:
            registrar = world.regional_coordinator[planned.school.region_id]
        assert planned.triaged_at is not None  # noqa: S101  cases are always triaged
        demo_cases.follow(
            world,
            report=report,
            registrar=registrar,
            closer=coordinator,
            classification=_classification(world, scenario, data),
            outcome=planned.outcome,
            received_at=planned.received_at,
            registered_at=planned.triaged_at,
        )
    moments = {"received_at": planned.received_at}
    if planned.triaged_at is not None:
        moments["triaged_at"] = planned.triaged_at
    Report.objects.filter(pk=report.pk).update(**moments)


def _report_data(world: DemoWorld, scenario: Scenario, language: str) -> dict[str, Any]:
    rng = world.rng
    anonymous = scenario.reporter_role == ReporterRole.CHILD and rng.random() < 0.8
    return {
        "narrative": NARRATIVE_MARKER[language] + scenario.narrative[language],
        "forms": list(scenario.forms),
        "setting": scenario.setting,
        "in_danger_now": rng.random() < 0.05,
        "anonymous": anonymous,
        "reporter_role": scenario.reporter_role,
        "reporter_name": "" if anonymous else "Demo reporter (synthetic)",
        "reporter_contact": "" if anonymous else world.phones.next(),
    }


def _classification(world: DemoWorld, scenario: Scenario, data: dict[str, Any]) -> dict[str, Any]:
    """How triage classifies the report: the scenario's forms and setting, a risk level."""
    rng = world.rng
    in_danger = bool(data["in_danger_now"])
    if in_danger:
        risk = RiskLevel.IMMEDIATE
    elif scenario.self_harm or {
        ViolenceForm.ONLINE_SEXUAL_EXPLOITATION,
        ViolenceForm.SEXUAL,
    } & set(scenario.forms):
        risk = RiskLevel.HIGH
    else:
        risk = weighted(rng, ((RiskLevel.HIGH, 20), (RiskLevel.MEDIUM, 50), (RiskLevel.LOW, 30)))
    return {
        "summary": f"Synthetic demo case: {scenario.summary}.",
        "forms": list(scenario.forms),
        "setting": scenario.setting,
        "perpetrator_relationship": scenario.perpetrator,
        "self_harm_risk": scenario.self_harm,
        "risk_level": risk,
        "in_danger_now": in_danger,
        "repeated": rng.choice((True, True, False, None)),
        "child_age": rng.randint(7, 17),
        "child_sex": rng.choice(ChildSex.values),
    }


def acknowledge_past_alerts(world: DemoWorld) -> None:
    """The demo's past "in danger now" reports were answered at the time: their duty
    units acknowledged, so the running worker does not repeat them forever."""
    pending = LifeSafetyAlert.objects.filter(acknowledged_at__isnull=True).select_related(
        "report__school", "report__region"
    )
    for alert in pending:
        for organisation in intake_alerts.responders_for(alert.report):
            if world.members.get(organisation.pk):
                intake_alerts.acknowledge.within(
                    alert=alert, actor=world.members[organisation.pk][0]
                )
                break
