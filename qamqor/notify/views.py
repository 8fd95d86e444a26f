"""The coordinators' page of notifications that did not reach their recipient."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext

from qamqor.accounts import access
from qamqor.notify import selectors, services
from qamqor.pages import paginate, user_of


@login_required
@access.gate_required("undelivered")
def undelivered(request: HttpRequest) -> HttpResponse:
    """Failed and unconfirmed notifications in the coordinator's scope; POST resends the
    chosen ones (the same Message-ID, a new retry horizon). Outsiders get 404."""
    user = user_of(request)
    rows = selectors.undelivered_for(user)
    if request.method == "POST":
        chosen = [value for value in request.POST.getlist("notification") if value.isdigit()]
        if not chosen:
            messages.error(request, gettext("Choose the notifications to send again."))
            return redirect("notifications-undelivered")
        resent = services.resend(rows.filter(pk__in=chosen), actor=user)
        messages.success(
            request,
            ngettext(
                "%(count)d notification queued to be sent again.",
                "%(count)d notifications queued to be sent again.",
                len(resent),
            )
            % {"count": len(resent)},
        )
        return redirect("notifications-undelivered")
    page = paginate(
        request,
        rows.select_related("case", "recipient", "organisation").order_by("-created_at", "-pk"),
        audit_as="notify.Notification",
    )
    return render(request, "notify/pages/undelivered.html", {"page": page})
