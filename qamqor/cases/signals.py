"""What cases tell the apps above them, without importing them (decision 0012).

Each is sent inside the service's transaction, so a receiver's writes commit or roll back
with the change; the statistics (decision 0014) count from them.
"""

from __future__ import annotations

from django.dispatch import Signal

#: ``case_registered.send(sender=Case, case=case)`` once a case has its number, forms and
#: protocol (``register_case``, ``open_alert_case``).
case_registered = Signal()

#: ``case_closed.send(sender=Case, case=case, previous_status=status)`` once the case is
#: closed with its outcome; ``previous_status`` is the status it had before.
case_closed = Signal()
