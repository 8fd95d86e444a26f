"""The case pages, one module per part: the list and its download (``listing``), the case
page and its printable summary (``page``), the steps, reclassification and closure
(``steps``), the parties (``parties``) and the interagency thread (``thread``).

Every read goes through ``cases.selectors.get_case_for_user`` (404 outside the scope,
audited); every change through a service, whose refusal is shown on its form with the
service's status code. The views are re-exported here for ``cases/urls.py``.
"""

from qamqor.cases.views.listing import CASES, case_list
from qamqor.cases.views.page import (
    StepRow,
    case_detail,
    case_summary,
    output_rows,
    representative_prefix,
    step_prefix,
)
from qamqor.cases.views.parties import (
    case_child,
    case_representative_add,
    case_representative_update,
)
from qamqor.cases.views.steps import case_close, case_reclassify, case_step_complete
from qamqor.cases.views.thread import case_messages

__all__ = [
    "CASES",
    "StepRow",
    "case_child",
    "case_close",
    "case_detail",
    "case_list",
    "case_messages",
    "case_reclassify",
    "case_representative_add",
    "case_representative_update",
    "case_step_complete",
    "case_summary",
    "output_rows",
    "representative_prefix",
    "step_prefix",
]
