"""State changes of screenings, one module per concern: the instrument versions stored and
who they are for (``catalogue``), starting an interview or inviting the child
(``administration``), the child's one-time codes (``codes``), answers scored at submission
(``submission``), FHIR QuestionnaireResponse import (``fhir_import``), alerts and their
escalation (``alerts``), campaigns (``campaigns``) and who answers them: class lists,
enrolment and consent (``enrolment``).

Every change runs in one transaction that writes its audit row and its notifications
(DESIGN §2). The child's one-time code is never stored: it is an HMAC of the
administration's id, recomputed to print it and hashed to find it.

The names are re-exported here, so ``from qamqor.instruments import services`` and
``services.submit_by_code(...)`` serve callers outside the app; inside ``instruments``,
modules import the sub-module they need.
"""

from qamqor.instruments.services.administration import (
    INVITATION_DAYS,
    Started,
    invite,
    may_screen,
    new_administration,
    record_pupil,
    screening_organisation,
    start_interview,
    start_screening,
)
from qamqor.instruments.services.alerts import (
    PSYCHOLOGIST_ROLES,
    acknowledge_alert,
    duty_psc,
    escalate_unacknowledged_alerts,
    open_protocol_for_alert,
    raise_alerts,
)
from qamqor.instruments.services.campaigns import (
    CampaignArea,
    campaign_area,
    close_campaign,
    create_campaign,
    create_campaign_from_form,
)
from qamqor.instruments.services.catalogue import (
    check_age,
    check_eligible,
    published_version,
    today,
)
from qamqor.instruments.services.codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    CodeNotValid,
    access_code_for,
    code_hash,
    find_by_code,
    normalise_code,
)
from qamqor.instruments.services.enrolment import (
    ENROL_BATCH,
    add_class,
    enrol_area,
    record_consent,
)
from qamqor.instruments.services.fhir_import import Imported, import_response
from qamqor.instruments.services.submission import (
    complete_administration,
    submit_by_code,
    submit_interview,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "ENROL_BATCH",
    "INVITATION_DAYS",
    "PSYCHOLOGIST_ROLES",
    "CampaignArea",
    "CodeNotValid",
    "Imported",
    "Started",
    "access_code_for",
    "acknowledge_alert",
    "add_class",
    "campaign_area",
    "check_age",
    "check_eligible",
    "close_campaign",
    "code_hash",
    "complete_administration",
    "create_campaign",
    "create_campaign_from_form",
    "duty_psc",
    "enrol_area",
    "escalate_unacknowledged_alerts",
    "find_by_code",
    "import_response",
    "invite",
    "may_screen",
    "new_administration",
    "normalise_code",
    "open_protocol_for_alert",
    "published_version",
    "raise_alerts",
    "record_consent",
    "record_pupil",
    "screening_organisation",
    "start_interview",
    "start_screening",
    "submit_by_code",
    "submit_interview",
    "today",
]
