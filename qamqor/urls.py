"""The root URLconf: each app's pages from its own ``urls.py``, the API assembly, health
and language. URL names and addresses are a contract; tests/test_url_names.py holds them."""

from django.urls import include, path

from qamqor.api import api
from qamqor.web import health, language

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("", include("qamqor.accounts.urls")),
    path("", include("qamqor.intake.urls")),
    path("", include("qamqor.referrals.urls")),
    path("", include("qamqor.care.urls")),
    path("", include("qamqor.appeals.urls")),  # under /care/appeals/
    path("", include("qamqor.instruments.urls")),
    path("", include("qamqor.chatbot.urls")),  # the Telegram webhook
    path("", include("qamqor.parents.urls")),  # public help for parents
    path("", include("qamqor.oversight.urls")),  # the recommendations tracker
    path("", include("qamqor.training.urls")),  # training programmes
    path("", include("qamqor.library.urls")),  # regulation library and briefings
    path("", include("qamqor.prevention.urls")),  # prevention plans
    path("", include("qamqor.surveys.urls")),  # trust surveys
    path("", include("qamqor.helpline.urls")),  # the 111 console
    path("", include("qamqor.notify.urls")),  # undelivered notifications
    path("", include("qamqor.cases.urls")),
    path("", include("qamqor.protocols.urls")),
    path("", include("qamqor.analytics.urls")),  # statistics pages
    path("", include("qamqor.web.urls")),
]

# Bodies over the limits are a 413, a database that cannot be reached a 503 (pages too).
handler400 = "qamqor.request_limits.bad_request"
handler500 = "qamqor.request_limits.server_error"
