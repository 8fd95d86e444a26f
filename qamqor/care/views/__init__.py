"""Psychological support pages, one module per sub-domain (``care/urls.py`` maps them).
Thin: forms, services, selectors; every refusal is shown on its form with the service's
status code (``pages.run_form``), or as a message for a button (``pages.run_action``).

- ``children``: the workspace (caseload), recording a child, a child's care record and
  the forms on it;
- ``consent``: recording, withdrawing a consent, its scanned document;
- ``sharing``: sharing a child's data with another organisation;
- ``crisis``: the crisis exception on a child's page, closing one, the oversight list;
- ``consultations``: a consultation on a child's page, without a child record, one;
- ``supervision``: supervision and intervision sessions;
- ``worklog``: the weekly work log and the workload report;
- ``common``: what they share (a choice of organisations, the user's care organisations).

Anonymous appeals are their own app (``appeals.views``).
"""
