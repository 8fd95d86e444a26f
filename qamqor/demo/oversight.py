"""The recommendations tracker in the demo (docs/oversight.md): every recommendation of the
brief loaded from the data file, and five of them with synthetic statuses, responsible
bodies, notes and evidence links set by the demo's national coordinator.

Part of the seed's one transaction, so it calls the services the pages' entry points wrap
(``record_status_change``, ``record_evidence``); it draws nothing from the seeded random
source, so the rest of the demo is the same with or without it.
"""

from __future__ import annotations

from qamqor.accounts.models import Role
from qamqor.demo.world import DemoRegion
from qamqor.oversight import services
from qamqor.oversight.models import Recommendation, Status

#: (number, status, responsible body in words, synthetic note, synthetic evidence link)
DEMO_STATUSES = (
    (
        "1.2.7",
        Status.IN_PROGRESS,
        "Ministry of Education (synthetic demo entry)",
        "Synthetic demo note: a digital platform for PSCs and school psychologists is piloted "
        "in one region.",
        "https://example.invalid/demo/platform-pilot",
    ),
    (
        "1.3.5",
        Status.IMPLEMENTED,
        "Committee for the Protection of Children's Rights (synthetic demo entry)",
        "Synthetic demo note: every report becomes a registered case with a number, and the "
        "reporter is told.",
        "https://example.invalid/demo/registration-order",
    ),
    (
        "1.4.1",
        Status.REJECTED,
        "Ministry of Information (synthetic demo entry)",
        "Synthetic demo note: the duty to inform the media was kept, with names removed.",
        "",
    ),
    (
        "2.2.2",
        Status.IN_PROGRESS,
        "Regional education departments (synthetic demo entry)",
        "Synthetic demo note: contact persons are designated in the demo region.",
        "https://example.invalid/demo/contact-persons",
    ),
    (
        "3.2.2",
        Status.IN_PROGRESS,
        "Coordinating body (synthetic demo entry)",
        "Synthetic demo note: this tracker is the coordinating body's record of the brief.",
        "",
    ),
)


def tracker(site: DemoRegion) -> int:
    """Load the recommendations and set the demo statuses; how many recommendations."""
    services.load_recommendations.within()
    coordinator = site.login[Role.NATIONAL_COORDINATOR]
    for number, status, responsible, note, link in DEMO_STATUSES:
        recommendation = Recommendation.objects.get(number=number)
        services.record_status_change(
            actor=coordinator,
            recommendation=recommendation,
            status=status,
            note=note,
            responsible_text=responsible,
        )
        if link:
            services.record_evidence(
                actor=coordinator,
                recommendation=recommendation,
                title=f"Synthetic demo evidence for {number}",
                url=link,
            )
    return Recommendation.objects.count()
