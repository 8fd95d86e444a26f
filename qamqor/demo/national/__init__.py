"""A synthetic national dataset for scale tests (brief 3.1.1): ``qamqor seed --national``.

At scale 1: the 20 real regions, 7,859 schools of which 853 private, about 8,500 school
psychologists, 20 PSCs with one to three branches each, 1,000,000 cases over five years
with their protocol steps, referrals and consultations, and 2,000,000 screenings. All of
it is invented and says so: names end in "(synthetic)", addresses in ``.invalid``,
children have codes and no names, nobody can sign in.

Rows are written in bulk (``rows``: COPY on PostgreSQL), bypassing the per-row services
but holding what they would write: case numbers unique per region and year with the
counters continued after them, steps of the published protocols with the engine's
deadlines (done on time or late, about 10,000 open of which some overdue and escalated),
encrypted fields as valid tokens (one per synthetic text, reused). The audit log and
notifications are not written: nobody did anything.

- ``directory``: districts, organisations, contact persons, staff;
- ``cases``: cases month by month with their steps, timeline, referrals and care;
- ``screenings``: campaigns and administrations;
- ``run``: the order, the checks, the progress bar and the statistics recount.
"""

from qamqor.demo.national.run import NationalSeedRefused, NationalSummary, seed_national

__all__ = ["NationalSeedRefused", "NationalSummary", "seed_national"]
