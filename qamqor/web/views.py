"""The cross-app pages: the landing page and a signed-in user's home (their task list),
the statistics dashboard and the in-app notifications. Each domain app owns its own
pages (cases, intake, protocols, care, …); ``web`` holds only what belongs to none.

Every read of personal data goes through ``restrict(user, action)`` or a selector (an
object out of scope is a 404); every change goes through a service (DESIGN §5.2, §5.7).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from qamqor import exports
from qamqor.accounts import access, policy
from qamqor.accounts.models import User
from qamqor.analytics import selectors as analytics
from qamqor.cases.models import Case
from qamqor.classification import ViolenceForm
from qamqor.intake.forms import SchoolCodeForm
from qamqor.intake.models import Report
from qamqor.notify import services as notify_services
from qamqor.notify.models import Notification
from qamqor.pages import exportable, paginate, user_of
from qamqor.protocols.models import Step
from qamqor.replica import replica_reads

HOME_LIST_LIMIT = 20
HOME_NOTIFICATIONS = 5


# --- home -------------------------------------------------------------------------------


def _my_steps(request: HttpRequest) -> QuerySet[Step]:
    """The steps of the user's organisations the task list shows: open, then waiting."""
    return (
        Step.objects.restrict(user_of(request), "view")
        .filter(status__in=[Step.Status.OPEN, Step.Status.WAITING])
        .select_related("case", "organisation", "run__protocol")
        .order_by("status", F("due_at").asc(nulls_last=True), "pk")[:HOME_LIST_LIMIT]
    )


TASKS = exports.TableExport(
    name="tasks",
    title=_("Steps for my organisation"),
    rows=_my_steps,
    columns=[
        exports.column(_("Case"), "case.number"),
        exports.column(_("Step"), "title"),
        exports.column(_("Organisation"), "organisation.name"),
        exports.column(_("Status"), "get_status_display"),
        exports.column(_("Due"), "due_at"),
    ],
)

NOTIFICATIONS = exports.TableExport(
    name="notifications",
    title=_("Notifications"),
    rows=lambda request: _in_app_notifications(user_of(request)),
    columns=[
        exports.column(_("Created"), "created_at"),
        exports.column(_("Subject"), "subject"),
        exports.column(_("Case"), "case.number"),
        exports.column(_("Read"), "read_at"),
    ],
)


@exportable(TASKS)
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; the task list of a signed-in user's role."""
    if not request.user.is_authenticated:
        return render(
            request, "web/landing.html", {"public_page": True, "school_form": SchoolCodeForm()}
        )
    user = user_of(request)
    scope = policy.scope_for(user)
    steps = list(_my_steps(request))
    may_triage = access.allows(user, "triage")
    reports = (
        list(
            Report.objects.restrict(user, "view")
            .awaiting_triage()
            .select_related("school", "received_by")
            .order_by("-in_danger_now", "-self_harm_risk", "received_at", "pk")[:HOME_LIST_LIMIT]
        )
        if may_triage
        else []
    )
    notifications = list(_in_app_notifications(user)[:HOME_NOTIFICATIONS])
    return render(
        request,
        "web/home.html",
        {
            "scope": scope,
            "has_tasks": bool(scope.step_organisation_ids or scope.school_ids),
            "steps": steps,
            "may_triage": may_triage,
            "reports": reports,
            "notifications": notifications,
            "list_limit": HOME_LIST_LIMIT,
        },
    )


# --- statistics -----------------------------------------------------------------------


@login_required
@require_safe
@access.gate_required("dashboard")
@replica_reads()  # aggregates may lag the primary by seconds (brief 3.1.1)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Aggregates for coordinators and monitors; monitors never see a case number."""
    user = user_of(request)
    scope = policy.scope_for(user)
    data = analytics.dashboard(user)
    is_coordinator = scope.national or bool(scope.region_ids)
    overdue = list(analytics.overdue_steps(user)) if is_coordinator else []
    labels = dict(ViolenceForm.choices)
    by_form = [
        {"code": code, "label": capfirst(str(labels.get(code, code))), "count": count}
        for code, count in data.by_form.items()
    ]
    statuses = [
        {"code": code, "label": label, "count": data.by_status.get(code, 0)}
        for code, label in Case.Status.choices
    ]
    totals = data.totals  # suppressed as one table with the regions (monitors)
    chart = {
        "label": gettext("Cases"),
        "labels": [row["label"] for row in by_form],
        "counts": [row["count"] for row in by_form],
    }
    return render(
        request,
        "web/dashboard.html",
        {
            "data": data,
            "statuses": statuses,
            "by_form": by_form,
            "region_totals": totals,
            "chart": chart,
            "is_coordinator": is_coordinator,
            "overdue": overdue,
            "now": timezone.now(),
        },
    )


# --- notifications --------------------------------------------------------------------


def _in_app_notifications(user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user, channel=Notification.Channel.IN_APP)
        .select_related("case")
        .order_by("-created_at", "-pk")
    )


@login_required
@exportable(NOTIFICATIONS)
@require_safe
def notifications(request: HttpRequest) -> HttpResponse:
    page = paginate(request, _in_app_notifications(user_of(request)))
    has_unread = any(item.read_at is None for item in page.object_list)
    return render(request, "web/notifications.html", {"page": page, "has_unread": has_unread})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notify_services.mark_read(user_of(request), pk)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    notify_services.mark_all_read(user)
    messages.success(request, gettext("All notifications are marked as read."))
    return redirect("notifications")
