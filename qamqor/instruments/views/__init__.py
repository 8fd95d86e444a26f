"""Screening pages, one module per concern (``instruments/urls.py`` maps them). Thin views
over the services and selectors; staff pages live under /screenings/, the child's under /s/.

- ``child``: the child's pages (public, one-time code);
- ``screenings``: the psychologist's overview, pupils, starting a screening, the interview
  and the one-time code;
- ``results``: a result, its FHIR export, the alerts, the dashboard;
- ``library``: the instruments and their FHIR Questionnaire;
- ``campaigns``: campaigns, their roster, consent, slips, follow-up;
- ``common``: the screening scope, the psychologist's gate and the questions as shown.
"""
