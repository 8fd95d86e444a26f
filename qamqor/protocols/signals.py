"""What the engine tells other apps, without importing them (DESIGN §3: an upward need
becomes a hook registered in ``ready()``)."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent inside ``services.complete_step``'s transaction once a step is done:
#: ``step_completed.send(sender=Step, step=step, actor=user)``. ``ProtocolsConfig.ready``
#: connects intake's alerts to it, so that the immediate-safety step acknowledges a
#: life-safety alert.
step_completed = Signal()

#: Sent inside ``services.complete_step``'s transaction when the first step done moves
#: the case from registered to in progress: ``case_started.send(sender=Case, case=case)``.
case_started = Signal()

#: Sent inside ``services.reclassify``'s transaction after the switch:
#: ``case_reclassified.send(sender=Case, case=case, before=before)``; ``before`` holds the
#: classification fields, ``forms`` and ``protocol`` (its code) as they were.
case_reclassified = Signal()
