"""What care tells the apps above it, without importing them (decision 0012)."""

from __future__ import annotations

from django.dispatch import Signal

#: ``consultation_recorded.send(sender=Consultation, consultation=c)`` inside
#: ``record_consultation``'s transaction.
consultation_recorded = Signal()

#: ``crisis_exception_used.send(sender=CrisisBasis, basis=basis)`` inside
#: ``record_crisis_basis``'s transaction (brief 1.5.2).
crisis_exception_used = Signal()
