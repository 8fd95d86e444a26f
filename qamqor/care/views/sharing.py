"""Sharing a child's data with another organisation, from the child's page, on a checked
basis (consent or the law)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from qamqor.care.forms import ShareForm, share_arguments
from qamqor.care.services import sharing as sharing_services
from qamqor.care.views.children import child_action


@login_required
@require_POST
def child_share(request: HttpRequest, code: str) -> HttpResponse:
    return child_action(
        request,
        code,
        "share",
        ShareForm,
        lambda user, child, data: sharing_services.share_child(
            actor=user, child=child, **share_arguments(user, data)
        ),
        gettext("The child's data is shared."),
    )
