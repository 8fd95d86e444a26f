"""What screenings tell the apps above them, without importing them (decision 0012)."""

from __future__ import annotations

from django.dispatch import Signal

#: ``screening_completed.send(sender=Administration, administration=a)`` inside the
#: transaction that scored it (``complete_administration``), once its band is stored.
screening_completed = Signal()
