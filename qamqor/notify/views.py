"""The coordinators' page of notifications that did not reach their recipient."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from qamqor import exports
from qamqor.accounts import access
from qamqor.notify import selectors, services
from qamqor.notify.models import Notification
from qamqor.pages import exportable, paginate, user_of


def _undelivered(request: HttpRequest) -> QuerySet[Notification]:
    """The notifications the page lists for the user, newest first."""
    return (
        selectors.undelivered_for(user_of(request))
        .select_related("case", "recipient", "organisation")
        .order_by("-created_at", "-pk")
    )


UNDELIVERED = exports.TableExport(
    name="undelivered-notifications",
    title=_("Undelivered notifications"),
    rows=_undelivered,
    columns=[
        exports.column(_("Created"), "created_at"),
        exports.column(_("Channel"), "get_channel_display"),
        exports.column(_("Status"), "get_status_display"),
        exports.column(_("Organisation"), "organisation.name"),
        exports.column(_("Recipient"), "recipient.get_username"),
        exports.column(_("Case"), "case.number"),
        exports.column(_("Template"), "template"),
        exports.column(_("Attempts"), "attempts"),
        exports.column(_("Retry until"), "retry_until"),
        exports.column(_("Last error"), "last_error"),
    ],
)


@login_required
@exportable(UNDELIVERED)
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
    page = paginate(request, _undelivered(request), audit_as="notify.Notification")
    return render(request, "notify/pages/undelivered.html", {"page": page})
