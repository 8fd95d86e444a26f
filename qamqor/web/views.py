"""The cross-app pages: the landing page and a signed-in user's home (their task list),
the statistics dashboard and the in-app notifications. Each domain app owns its own
pages (cases, intake, protocols, care, …); ``web`` holds only what belongs to none.

Every read of personal data goes through ``restrict(user, action)`` or a selector (an
object out of scope is a 404); every change goes through a service (DESIGN §5.2, §5.7).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
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
from qamqor.notify import kinds as notify_kinds
from qamqor.notify import selectors as notify_selectors
from qamqor.notify import services as notify_services
from qamqor.notify.forms import DigestForm, MarkReadForm
from qamqor.notify.models import NO_CASE, Notification
from qamqor.pages import exportable, paginate, run_form, success, user_of
from qamqor.protocols.models import Step
from qamqor.replica import replica_reads
from qamqor.translation import active_language

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
    notifications = _in_reader_language(_in_app_notifications(user)[:HOME_NOTIFICATIONS])
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
    return notify_selectors.inbox(user)


def _in_reader_language(items: Iterable[Notification]) -> list[Notification]:
    """Subject and body in the reader's current language where the row holds them in every
    language (older rows keep the text they were written in)."""
    language = active_language()
    shown = list(items)
    for item in shown:
        item.subject, item.body = item.text_in(language)
        item.is_urgent = notify_kinds.is_urgent(item.template)  # type: ignore[attr-defined]
    return shown


def _filters(request: HttpRequest) -> tuple[str, str]:
    """The kind and group the list is narrowed to (an unknown kind: every kind)."""
    kind = request.GET.get("kind", "")
    case = request.GET.get("case", "")[:40]
    return (kind if kind in notify_kinds.KIND_CODES else ""), case


def _list_url(*, kind: str = "", case: str = "") -> str:
    query = urlencode({key: value for key, value in (("kind", kind), ("case", case)) if value})
    return reverse("notifications") + (f"?{query}" if query else "")


@login_required
@exportable(NOTIFICATIONS)
@require_safe
def notifications(request: HttpRequest) -> HttpResponse:
    """The reader's notifications grouped by case (one entry per case: unread count, the
    newest message, a link to the case's notifications), filtered by kind, with unread
    urgent ones pinned on top; ``?case=`` lists one group (brief 1.3.5)."""
    user = user_of(request)
    kind, case = _filters(request)
    context: dict[str, object] = {
        "kind": kind,
        "case": case,
        "kinds": notify_selectors.kind_counts(user),
        "no_case": NO_CASE,
        "digest_form": DigestForm(initial={"daily_digest": notify_services.wants_digest(user)}),
    }
    if case:
        page = paginate(request, notify_selectors.inbox(user, kind=kind, case=case))
        if not page.object_list and not kind:
            raise Http404("no notifications of this group")
        page.object_list = _in_reader_language(page.object_list)
        context.update(
            page=page,
            has_unread=any(item.read_at is None for item in page.object_list),
            case_number="" if case == NO_CASE else case,
        )
        return render(request, "web/notification_group.html", context)
    page = paginate(request, notify_selectors.groups(user, kind=kind))
    _in_reader_language(group.newest for group in page.object_list if group.newest)
    context.update(
        page=page,
        pinned=_in_reader_language(notify_selectors.pinned(user, kind=kind)),
        has_unread=any(group.unread for group in page.object_list),
    )
    return render(request, "web/notifications.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the reader's notifications read; another user's is a 404."""
    if not notify_services.mark_read(user_of(request), pk):
        raise Http404("no such notification")
    back = request.POST.get("next") or ""
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return redirect(back)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    """Mark read every unread notification, or those of one group and/or one kind."""
    user = user_of(request)
    form = MarkReadForm(request.POST)
    back = _list_url()

    def done(count: int) -> HttpResponse:
        return success(
            request,
            ngettext(
                "%(count)d notification marked as read.",
                "%(count)d notifications marked as read.",
                count,
            )
            % {"count": count},
            redirect(_list_url(kind=form.cleaned_data["kind"])),
        )

    def again(status: int) -> HttpResponse:
        messages.error(request, gettext("Nothing was marked: the filter is not valid."))
        return redirect(back)

    return run_form(
        form,
        lambda data: notify_services.mark_all_read(user, **data),
        done=done,
        again=again,
    )


@login_required
@require_POST
def notifications_digest(request: HttpRequest) -> HttpResponse:
    """Turn the daily email digest on or off (brief 1.3.5: urgent ones still go at once)."""
    user = user_of(request)
    form = DigestForm(request.POST)

    def done(on: bool) -> HttpResponse:
        text = (
            gettext("Non-urgent emails now come as one digest a day.")
            if on
            else gettext("Every notification is emailed at once again.")
        )
        return success(request, text, redirect("notifications"))

    return run_form(
        form,
        lambda data: notify_services.set_daily_digest(user, **data),
        done=done,
        again=lambda status: redirect("notifications"),
    )
