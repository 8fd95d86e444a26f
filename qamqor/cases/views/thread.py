"""The case's interagency thread: read as a section of the case page, written to by the
organisations on the case."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from qamqor.cases import thread as thread_services
from qamqor.cases.models import Case
from qamqor.cases.views.page import (
    MESSAGE_PREFIX,
    _case,
    _show_again,
)
from qamqor.htmx import is_htmx, partial_response
from qamqor.pages import run_form, success, user_of


def _thread_response(
    request: HttpRequest, case: Case, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    user = user_of(request)
    thread = thread_services.open_thread(case=case, reader=user)
    can_post = not case.is_closed and thread.organisation is not None
    context = {
        "case": case,
        "thread": thread,
        "can_post": can_post,
        "message_form": (form or thread_services.MessageForm(prefix=MESSAGE_PREFIX))
        if can_post
        else None,
    }
    return partial_response(render(request, "cases/partials/thread.html", context, status=status))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_messages(request: HttpRequest, number: str) -> HttpResponse:
    """The case's thread: GET gives the section (htmx) or the case page at the thread;
    POST writes a message as the author's organisation."""
    anchor = reverse("case-detail", args=[number]) + "#thread"
    if request.method != "POST":
        case = _case(request, number)
        return _thread_response(request, case) if is_htmx(request) else redirect(anchor)
    case = _case(request, number)
    form = thread_services.MessageForm(request.POST, prefix=MESSAGE_PREFIX)

    def sent(message: object) -> HttpResponse:
        if is_htmx(request):
            return _thread_response(request, case)
        return success(request, gettext("The message is sent."), redirect(anchor))

    def again(status: int) -> HttpResponse:
        if is_htmx(request):
            return _thread_response(request, case, form=form, status=status)
        return _show_again(request, number, bound={MESSAGE_PREFIX: form}, status=status)

    return run_form(
        form,
        lambda data: thread_services.post_message(case=case, author=user_of(request), **data),
        done=sent,
        again=again,
    )
