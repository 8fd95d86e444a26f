"""The page of a case's notices to legal representatives: review, correct, confirm or
cancel a draft; see each message it became and its SMS delivery receipts (brief 1.3.5)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from qamqor.cases import selectors as case_selectors
from qamqor.cases.models import Case
from qamqor.errors import DomainError
from qamqor.notify import sms
from qamqor.pages import user_of
from qamqor.protocols import notices
from qamqor.protocols.models import RepresentativeNotice


class NoticeReviewForm(forms.Form):
    """The draft's text in each language; what staff change is what is sent."""

    def __init__(self, *args: Any, notice: RepresentativeNotice, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"notice-{notice.pk}")
        initial = {}
        for code, _name in settings.LANGUAGES:
            texts = notice.texts.get(code, {})
            for part in ("subject", "body", "sms"):
                initial[f"{code}_{part}"] = texts.get(part, "")
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        for code in notice.texts:
            language = names.get(code, code)
            self.fields[f"{code}_subject"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": language}, max_length=255
            )
            self.fields[f"{code}_body"] = forms.CharField(
                label=_("Letter (%(language)s)") % {"language": language},
                max_length=notices.MAX_BODY,
                widget=forms.Textarea(attrs={"rows": 6}),
            )
            self.fields[f"{code}_sms"] = forms.CharField(
                label=_("SMS (%(language)s)") % {"language": language},
                max_length=sms.PART_LIMIT * sms.MAX_PARTS,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Up to 70 characters is one SMS; a longer text goes in parts of 67."),
            )

    def texts(self) -> dict[str, dict[str, str]]:
        result: dict[str, dict[str, str]] = {}
        for name, value in self.cleaned_data.items():
            code, part = name.split("_", 1)
            result.setdefault(code, {})[part] = value
        return result


class NoticeCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is not sent"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _apply(form: forms.Form, error: DomainError) -> None:
    for problem in error.errors:
        name = problem.field.removeprefix("texts.").replace(".", "_")
        form.add_error(name if name in form.fields else None, str(problem.message))
    if not error.errors:
        form.add_error(None, str(error.detail))


def _page(
    request: HttpRequest,
    case: Case,
    *,
    bound: dict[tuple[str, int], forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    bound = bound or {}
    rows = []
    for notice in RepresentativeNotice.objects.filter(case=case).select_related(
        "step__organisation", "step__run__protocol", "confirmed_by"
    ):
        reviewable = (
            notice.status == RepresentativeNotice.Status.DRAFT
            and not case.is_closed
            and notices.can_review(user, notice)
        )
        rows.append(
            {
                "notice": notice,
                "step_title": notice.step.title,
                "deliveries": notices.deliveries(notice),
                "form": (bound.get(("review", notice.pk)) or NoticeReviewForm(notice=notice))
                if reviewable
                else None,
                "cancel_form": (
                    bound.get(("cancel", notice.pk))
                    or NoticeCancelForm(prefix=f"cancel-{notice.pk}")
                )
                if reviewable
                else None,
            }
        )
    return render(request, "web/case_notices.html", {"case": case, "rows": rows}, status=status)


@login_required
@require_safe
def case_notices(request: HttpRequest, number: str) -> HttpResponse:
    case = case_selectors.get_case_for_user(user_of(request), number, audit_read=True)
    return _page(request, case)


@login_required
@require_POST
def case_notice_confirm(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = case_selectors.get_case_for_user(user_of(request), number, audit_read=False)
    notice = notices.notice_on_case(case, pk)
    form = NoticeReviewForm(request.POST, notice=notice)
    if form.is_valid():
        try:
            notices.confirm(notice=notice, actor=user_of(request), texts=form.texts())
        except DomainError as error:
            _apply(form, error)
            return _page(
                request, case, bound={("review", notice.pk): form}, status=error.status_code
            )
        messages.success(request, gettext("The notice is confirmed and sent."))
        return redirect("case-notices", number=case.number)
    return _page(request, case, bound={("review", notice.pk): form}, status=422)


@login_required
@require_POST
def case_notice_cancel(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = case_selectors.get_case_for_user(user_of(request), number, audit_read=False)
    notice = notices.notice_on_case(case, pk)
    form = NoticeCancelForm(request.POST, prefix=f"cancel-{notice.pk}")
    if form.is_valid():
        try:
            notices.cancel(
                notice=notice, actor=user_of(request), reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            _apply(form, error)
            return _page(
                request, case, bound={("cancel", notice.pk): form}, status=error.status_code
            )
        messages.success(request, gettext("The notice will not be sent."))
        return redirect("case-notices", number=case.number)
    return _page(request, case, bound={("cancel", notice.pk): form}, status=422)
