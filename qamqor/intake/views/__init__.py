"""Intake pages, one module per part of a report's way in (``intake/urls.py`` maps them):

- ``reporting``: the public report form, its embeddable twin, the thanks page with the
  follow-up code, and the staff entry of a report;
- ``followup``: the reporter's side, with the follow-up code;
- ``triage``: reports in staff hands: triage, the decisions on a report, the answer to
  the reporter, attachments, life-safety alerts;
- ``posters``: the QR posters that open the report form.
"""
