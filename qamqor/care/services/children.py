"""Children a psychologist starts working with (a school's pupil, a PSC's client)."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.care.models import CareClient
from qamqor.care.services.common import ensure_client, local_today
from qamqor.cases import services as case_services
from qamqor.cases.models import Child
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import InvalidInput, NotAllowed
from qamqor.units import entry_point


@entry_point
def register_child(
    *,
    actor: User,
    organisation: Organisation,
    full_name: str = "",
    birth_date: date | None = None,
    sex: str = "unknown",
    class_label: str = "",
) -> Child:
    """A child a psychologist starts working with: a school's pupil, or a PSC's client.

    A PSC does not set the child's school: the school would then see the child, which a
    child who came to the PSC directly may not want (2.3.8).
    """
    if not access.acts_for(actor, "refer", organisation.pk):
        raise NotAllowed(_("You do not work at this organisation."))
    if organisation.region_id is None:
        raise InvalidInput.on("organisation", _("This organisation has no region."))
    if birth_date and birth_date > local_today():
        raise InvalidInput.on("birth_date", _("The birth date cannot be in the future."))
    is_school = organisation.kind == OrganisationKind.SCHOOL
    child = case_services.create_child(
        region=organisation.region,  # type: ignore[arg-type]
        school=organisation if is_school else None,
        full_name=full_name,
        birth_date=birth_date,
        sex=sex or "unknown",
        class_label=class_label,
    )
    if not is_school:
        ensure_client(child, organisation, CareClient.Via.REGISTERED)
    audit.record(
        actor=actor,
        action="child.register",
        object_type="child",
        object_id=child.code,
        changes={"organisation": organisation.code, "named": bool(child.full_name)},
    )
    return child
