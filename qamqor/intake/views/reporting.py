"""How a report comes in through a page: the public form a school's QR code opens (and
its embeddable twin for a school's website), the page that shows the follow-up code once,
and the staff entry of a report made orally or through the message box (brief 1.3.2)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from qamqor.accounts import access, policy
from qamqor.directory.models import Organisation
from qamqor.errors import Conflict, DomainError
from qamqor.intake import limits, school_cache, services
from qamqor.intake.attachments import check_uploads
from qamqor.intake.forms import HONEYPOT_FIELD, ReportForm, SchoolCodeForm, StaffEntryForm
from qamqor.intake.models import Report
from qamqor.pages import apply_domain_error, run_form, success, user_of
from qamqor.translation import active_language

THANKS_SESSION_KEY = "qamqor.report_thanks"
IDEMPOTENCY_FIELD = "idempotency_token"


# --- the public form ------------------------------------------------------------------


@require_safe
def report_start(request: HttpRequest) -> HttpResponse:
    """The landing page's 'type your school's code' form: on to that school's report form."""
    form = SchoolCodeForm(request.GET)
    if form.is_valid():
        typed = form.cleaned_data["school"].strip()
        school = services.find_school(typed) or services.find_school(slugify(typed))
        if school is not None:
            return redirect("report-form", school_code=school.code)
        form.add_error("school", _("No school has this code. Check the code on the poster."))
    return render(request, "web/landing.html", {"public_page": True, "school_form": form})


def _school_or_404(school_code: str, *, cached: bool = False) -> Organisation:
    """The school by its code; ``cached`` for pages that only show it (a crowd opens the
    poster's form at once: qamqor.intake.school_cache), never for a submission."""
    find = school_cache.find_school if cached else services.find_school
    school = find(school_code)
    if school is None:
        raise Http404("school")
    return school


def _idempotency_token(value: str | None) -> str | None:
    """The form's one-time token, if it is a well-formed UUID."""
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return None


def _render_report_form(
    request: HttpRequest,
    school: Organisation,
    form: ReportForm,
    token: str,
    status: int = 200,
    *,
    embed: bool = False,
) -> HttpResponse:
    response = render(
        request,
        "intake/report_form.html",
        {
            "public_page": True,
            "school": school,
            "form": form,
            "token": token,
            "embed": embed,
            "max_files": settings.REPORT_ATTACHMENT_MAX_FILES,
            "max_mb": settings.REPORT_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )
    return _embeddable(response) if embed else response


def _embeddable(response: HttpResponse) -> HttpResponse:
    """Only the embed pages may be framed, and only by the school and ministry sites listed
    in ``QAMQOR_EMBED_FRAME_ANCESTORS``; with none listed, nobody may (docs/security.md)."""
    ancestors = list(settings.EMBED_FRAME_ANCESTORS) or ["'none'"]
    # the rest of the policy is the site's (CSPMiddleware); only frame-ancestors differs
    response._csp_replace = {"frame-ancestors": ancestors}  # type: ignore[attr-defined]
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest, school_code: str) -> HttpResponse:
    """The public report form the school's QR code opens (no login)."""
    return _report_form(request, school_code, embed=False)


def _report_form(request: HttpRequest, school_code: str, *, embed: bool) -> HttpResponse:
    if request.method != "POST":
        school = _school_or_404(school_code, cached=True)
        return _render_report_form(
            request, school, ReportForm(), token=str(uuid.uuid4()), embed=embed
        )
    school = _school_or_404(school_code)
    form = ReportForm(request.POST)
    # The same token on a second submission (double click, resend) returns the first report.
    token = _idempotency_token(request.POST.get(IDEMPOTENCY_FIELD))
    if request.POST.get(HONEYPOT_FIELD):
        # a bot filled the hidden field: answer as if it worked, keep nothing
        return _thanks(request, school, code=None, report=None, embed=embed)
    shown_token = {"token": token or str(uuid.uuid4())}

    def submit(data: dict[str, Any]) -> services.Submitted:
        data = {k: v for k, v in data.items() if k != HONEYPOT_FIELD}
        return services.submit_report(
            school=school,
            data=data,
            language=active_language(),
            idempotency_key=f"web-form:{token}" if token else None,
            attachments=check_uploads(request.FILES.getlist("attachments")),
        )

    def refused(form: forms.Form, error: DomainError) -> None:
        if isinstance(error, Conflict):
            # This form was already sent with other words (Back, edited, sent again): the
            # first report is kept; a fresh token lets the reporter send this one as well.
            form.add_error(
                None,
                _(
                    "This form was already sent with a different text. Your first report is "
                    "saved. To send this text as a new report, press “Send the report” again."
                ),
            )
            shown_token["token"] = str(uuid.uuid4())
            return
        apply_domain_error(form, error)
        for problem in error.errors:
            if problem.field == "attachments":
                form.attachment_error = str(problem.message)  # type: ignore[attr-defined]

    def thanks(submitted: services.Submitted) -> HttpResponse:
        if embed:
            # In a school's frame the session cookie is not sent (SameSite), so the code is
            # shown in this answer; a resend with the same token shows the same code.
            return _thanks(
                request, school, code=submitted.followup_code, report=submitted.report, embed=True
            )
        request.session[THANKS_SESSION_KEY] = {
            "school": school.code,
            "code": submitted.followup_code,
            "in_danger_now": submitted.report.in_danger_now,
            "self_harm_risk": submitted.report.self_harm_risk,
        }
        return redirect("report-thanks", school_code=school.code)

    return run_form(
        form,
        submit,
        first=lambda: limits.check_public(request, "report", field="narrative"),
        show_refusal=refused,
        done=thanks,
        again=lambda status: _render_report_form(
            request, school, form, token=shown_token["token"], status=status, embed=embed
        ),
    )


@csrf_exempt  # framed by another site: no session, no cookie to protect, nothing to forge
@xframe_options_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def report_embed(request: HttpRequest, school_code: str) -> HttpResponse:
    """The report form for a school's own website (an iframe): see docs/intake.md."""
    return _report_form(request, school_code, embed=True)


def _thanks(
    request: HttpRequest,
    school: Organisation,
    *,
    code: str | None,
    report: Report | None,
    embed: bool,
) -> HttpResponse:
    response = render(
        request,
        "intake/report_thanks.html",
        {
            "public_page": True,
            "school": school,
            "followup_code": code,
            "in_danger_now": bool(report and report.in_danger_now),
            "self_harm_risk": bool(report and report.self_harm_risk),
            "embed": embed,
        },
    )
    return _embeddable(response) if embed else response


@never_cache
@require_GET  # not HEAD: a HEAD request must not use up the one showing of the code
def report_thanks(request: HttpRequest, school_code: str) -> HttpResponse:
    """Shows the follow-up code once: it is taken out of the session as it is shown."""
    school = _school_or_404(school_code)
    shown = request.session.pop(THANKS_SESSION_KEY, None)
    if not isinstance(shown, dict) or shown.get("school") != school.code:
        shown = None
    return render(
        request,
        "intake/report_thanks.html",
        {
            "public_page": True,
            "school": school,
            "followup_code": shown["code"] if shown else None,
            "in_danger_now": bool(shown and shown.get("in_danger_now")),
            "self_harm_risk": bool(shown and shown.get("self_harm_risk")),
        },
    )


# --- staff entry: the message box and oral reports ----------------------------------------


def _entry_schools(request: HttpRequest) -> list[Organisation]:
    scope = policy.scope_for(user_of(request))
    return list(Organisation.objects.filter(pk__in=scope.school_ids).order_by("code"))


@login_required
@require_http_methods(["GET", "POST"])
@access.gate_required("staff_entry")
def staff_entry(request: HttpRequest) -> HttpResponse:
    """A member of a school's staff enters a report on someone's behalf (brief 1.3.2)."""
    schools = _entry_schools(request)
    if not schools:
        raise Http404("staff entry")
    choices = [(s.code, s.name) for s in schools]
    posted = request.method == "POST"
    form = StaffEntryForm(
        request.POST if posted else None, request.FILES if posted else None, schools=choices
    )

    def enter(data: dict[str, Any]) -> services.Submitted:
        school = next(s for s in schools if s.code == data["school"])
        files = check_uploads(request.FILES.getlist("photo"), field="photo")
        return services.submit_report(
            school=school,
            data={k: v for k, v in data.items() if k not in {"school", "entry_channel", "photo"}},
            channel=data["entry_channel"],
            language=active_language(),
            taken_by=user_of(request),
            attachments=files,
        )

    return run_form(
        form,
        enter,
        done=lambda submitted: success(
            request,
            gettext("The report is entered. Give the reporter this follow-up code: %(code)s")
            % {"code": submitted.followup_code},
            redirect("report-detail", public_id=submitted.report.public_id),
        ),
        again=lambda status: render(
            request, "intake/staff_entry.html", {"form": form}, status=status
        ),
    )
