"""The JSON API at /api/v1/: the apps' routers assembled on the one NinjaAPI.

Everything the routers share (authentication, the error shape, pagination, ``validated``)
lives in ``qamqor.apikit``; this module only mounts each app's router at its path.
"""

from __future__ import annotations

from qamqor.analytics.api import router as analytics_router
from qamqor.apikit import api
from qamqor.appeals.api import router as appeals_router
from qamqor.care.api import router as care_router
from qamqor.cases.api import router as cases_router
from qamqor.helpline.api import router as helpline_router
from qamqor.instruments.api import router as instruments_router
from qamqor.intake.api import followup_router
from qamqor.intake.api import router as intake_router
from qamqor.library.api import router as library_router
from qamqor.notify.api import router as notify_router
from qamqor.oversight.api import router as oversight_router
from qamqor.prevention.api import router as prevention_router
from qamqor.protocols.api import router as protocols_router
from qamqor.referrals.api import router as referrals_router
from qamqor.surveys.api import router as surveys_router
from qamqor.training.api import router as training_router
from qamqor.web.api import router as exports_router

__all__ = ["api"]

api.add_router("/reports", intake_router)
api.add_router("/followup", followup_router)
api.add_router("/cases", cases_router)
api.add_router("/", protocols_router)
api.add_router("/stats", analytics_router)
api.add_router("/screenings", instruments_router)
api.add_router("/referrals", referrals_router)
api.add_router("/care", care_router)
api.add_router("/care", appeals_router)  # /care/appeals, as before appeals had their app
api.add_router("/helpline", helpline_router)
api.add_router("/notifications", notify_router)
api.add_router("/oversight", oversight_router)
api.add_router("/training", training_router)
api.add_router("/library", library_router)
api.add_router("/prevention", prevention_router)
api.add_router("/surveys", surveys_router)
api.add_router("/exports", exports_router)
