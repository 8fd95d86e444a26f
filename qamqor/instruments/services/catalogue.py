"""The instrument versions a screening stores, and which child an instrument is for
(brief 1.2.7: one standardized set of tools, each within its age range and modes)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.cases.models import Child
from qamqor.errors import InvalidInput
from qamqor.instruments import definitions
from qamqor.instruments.models import (
    InstrumentVersion,
)


def published_version(code: str) -> InstrumentVersion:
    """The newest definition of ``code``, stored so administrations keep exactly this text."""
    try:
        loaded = definitions.latest(code)
    except KeyError:
        raise InvalidInput.on("instrument", _("There is no instrument with this code.")) from None
    version, _created = InstrumentVersion.objects.get_or_create(
        code=code,
        version=loaded.spec.version,
        defaults={"definition": loaded.raw, "checksum": loaded.checksum},
    )
    return version


def today() -> date:
    return timezone.localtime().date()


def check_eligible(spec: definitions.InstrumentSpec, child: Child, mode: str) -> None:
    if not spec.allows(mode):
        raise InvalidInput.on(
            "mode",
            _("%(instrument)s is asked by a psychologist in an interview only.")
            % {"instrument": spec.short_name},
        )
    check_age(spec, child, on=today(), field="instrument")


def check_age(spec: definitions.InstrumentSpec, child: Child, *, on: date, field: str) -> None:
    """Refuse an instrument outside its age range for the child's age on the day it is
    (or was) answered; a child without a birth date is not refused (brief 1.2.7)."""
    age = child.age_on(on)
    if age is not None and not spec.age_range.contains(age):
        raise InvalidInput.on(
            field,
            _("%(instrument)s is for ages %(range)s; this child is %(age)s.")
            % {"instrument": spec.short_name, "range": str(spec.age_range), "age": age},
        )
