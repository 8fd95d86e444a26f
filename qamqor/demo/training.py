"""Training in the demo (docs/training.md): a synthetic catalogue of four programmes kept by
the demo's national coordinator, enrolments of the demo school psychologist and PSC
psychologist (one completed with a synthetic certificate), and two methodological days of
the demo PSC, the past one with its attendance recorded.

Everything here is synthetic: the programmes, providers and certificate are made up for
the demo and say so. Part of the seed's one transaction, so it calls the plain services
the pages' entry points wrap; it draws nothing from the seeded random source, so the rest
of the demo is the same with or without it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fpdf import FPDF

from qamqor.accounts.models import Role
from qamqor.demo.world import DemoRegion
from qamqor.files import CheckedFile
from qamqor.training import services
from qamqor.training.models import Programme
from qamqor.training.services import ModuleSpec

# Said in the title's own language, so a Kazakh or Russian page holds no English words.
SYNTHETIC = {
    "kk": "(синтетикалық демо бағдарлама)",
    "ru": "(синтетическая демо-программа)",
    "en": "(synthetic demo programme)",
}


def synthetic_certificate() -> bytes:
    """A one-page PDF that says it is a synthetic certificate (no scripts, no actions),
    dated at a fixed moment so the demo's bytes are the same on every seed."""
    pdf = FPDF(format=(148, 105))
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=16)
    pdf.cell(text="Synthetic demo certificate: not a real qualification")
    return bytes(pdf.output())


PROGRAMMES: tuple[dict[str, object], ...] = (
    {
        "code": "demo-bullying-school",
        "title_kk": f"Мектептегі буллинг: тану және әрекет ету {SYNTHETIC['kk']}",
        "title_ru": f"Буллинг в школе: распознать и отреагировать {SYNTHETIC['ru']}",
        "title_en": f"Bullying at school: recognise and respond {SYNTHETIC['en']}",
        "description_en": "Synthetic demo text: the school's duties under the response protocol.",
        "provider_kind": "state",
        "provider_name": "State professional development centre (synthetic)",
        "hours": 24,
        "format": "blended",
        "topics": ["bullying", "cyberbullying"],
        "target_roles": ["school_psychologist", "school_coordinator"],
        "modules": [
            ModuleSpec(8, "Кіріспе", "Введение", "Introduction"),
            ModuleSpec(16, "Жағдайлар", "Разбор случаев", "Case studies"),
        ],
    },
    {
        "code": "demo-suicide-prevention",
        "title_kk": f"Суицидтік мінез-құлықтың алдын алу {SYNTHETIC['kk']}",
        "title_ru": f"Профилактика суицидального поведения {SYNTHETIC['ru']}",
        "title_en": f"Preventing suicidal behaviour {SYNTHETIC['en']}",
        "description_en": "Synthetic demo text: screening, crisis sessions, referral.",
        "provider_kind": "alternative",
        "provider_name": "Synthetic NGO training centre",
        "hours": 16,
        "format": "online",
        "topics": ["suicidal_behaviour"],
        "target_roles": ["psc_psychologist", "psc_head", "school_psychologist"],
        "modules": [],
    },
    {
        "code": "demo-violence-interagency",
        "title_kk": f"Зорлық-зомбылық: ведомствоаралық әрекет {SYNTHETIC['kk']}",
        "title_ru": f"Насилие: межведомственное взаимодействие {SYNTHETIC['ru']}",
        "title_en": f"Violence: working across agencies {SYNTHETIC['en']}",
        "description_en": "Synthetic demo text: police, guardianship and health together.",
        "provider_kind": "state",
        "provider_name": "State professional development centre (synthetic)",
        "hours": 12,
        "format": "in_person",
        "topics": ["violence"],
        "target_roles": ["police_inspector", "guardianship_officer", "psc_psychologist"],
        "modules": [],
    },
    {
        "code": "demo-cyberbullying-evidence",
        "title_kk": f"Кибербуллинг: дәлелдерді сақтау {SYNTHETIC['kk']}",
        "title_ru": f"Кибербуллинг: сохранение доказательств {SYNTHETIC['ru']}",
        "title_en": f"Cyberbullying: keeping the evidence {SYNTHETIC['en']}",
        "description_en": "Synthetic demo text: screenshots, platforms, reporting.",
        "provider_kind": "alternative",
        "provider_name": "Synthetic online course provider",
        "hours": 6,
        "format": "online",
        "topics": ["cyberbullying"],
        "target_roles": ["school_psychologist", "school_coordinator", "operator_111"],
        "modules": [],
    },
)


def catalogue(site: DemoRegion) -> int:
    """The synthetic catalogue, enrolments and methodological days; how many programmes."""
    national = site.login[Role.NATIONAL_COORDINATOR]
    programmes: dict[str, Programme] = {}
    for entry in PROGRAMMES:
        fields = dict(entry)
        code = str(fields.pop("code"))
        modules = fields.pop("modules")
        programmes[code] = services.create_programme(
            actor=national,
            code=code,
            modules=modules,  # type: ignore[arg-type]
            **fields,
        )
    psychologist = site.login[Role.SCHOOL_PSYCHOLOGIST]
    services.record_enrolment(
        actor=psychologist,
        programme=programmes["demo-bullying-school"],
        status="completed",
        completed_on=site.today - timedelta(days=40),
    )
    services.record_enrolment(
        actor=psychologist,
        programme=programmes["demo-cyberbullying-evidence"],
        status="planned",
        planned_for=site.today + timedelta(days=30),
    )
    psc_psychologist = site.login[Role.PSC_PSYCHOLOGIST]
    services.record_enrolment(
        actor=psc_psychologist,
        programme=programmes["demo-suicide-prevention"],
        status="completed",
        completed_on=site.today - timedelta(days=12),
        certificate=CheckedFile(
            name="synthetic-demo-certificate.pdf",
            content_type="application/pdf",
            content=synthetic_certificate(),
        ),
    )
    regional = site.login[Role.REGIONAL_COORDINATOR]
    past = services.schedule_day(
        actor=regional,
        psc=site.psc,
        held_on=site.today - timedelta(days=7),
        topic="suicidal_behaviour",
        programme=programmes["demo-suicide-prevention"],
        note="Synthetic demo day.",
    )
    services.record_attendance(actor=regional, day=past, present=[psc_psychologist])
    services.schedule_day(
        actor=regional,
        psc=site.psc,
        held_on=site.today + timedelta(days=21),
        topic="cyberbullying",
        note="Synthetic demo day.",
    )
    return len(programmes)
