"""The child's pages under /s/: no login, the quick exit, one question per screen
(stepper.js; without JavaScript the whole form shows) and nothing but thanks after the
answers are sent. The one-time code is kept in the session, never in an address."""

from __future__ import annotations

from functools import partial

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from qamqor.errors import Conflict, DomainError
from qamqor.instruments.forms import (
    CodeForm,
)
from qamqor.instruments.models import Administration
from qamqor.instruments.services.codes import CodeNotValid, find_by_code, normalise_code
from qamqor.instruments.services.submission import submit_by_code
from qamqor.instruments.views.common import (
    answer_errors,
    posted_answers,
    questions,
    translation_note,
)
from qamqor.intake import limits
from qamqor.translation import active_language, pick

CODE_SESSION_KEY = "qamqor.screening_code"
# Set when the answers are in: a resend whose first answer was lost on the way (a dropped
# connection, js/resend.js) is led to the thanks page, not back to the code.
SENT_SESSION_KEY = "qamqor.screening_sent"


def _child_language(request: HttpRequest, administration: Administration) -> str:
    chosen = request.GET.get("lang") or request.POST.get("lang") or ""
    return chosen if chosen in ("kk", "ru", "en") else administration.language


@never_cache
@require_http_methods(["GET", "POST"])
def code_entry(request: HttpRequest) -> HttpResponse:
    """The shared tablet's page: the child types the code from the slip."""
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _find_throttled(request, form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", str(error.detail))
            status = error.status_code
        else:
            request.session[CODE_SESSION_KEY] = normalise_code(form.cleaned_data["code"])
            request.session.pop(SENT_SESSION_KEY, None)
            return redirect("screening-answer")
    return render(
        request,
        "instruments/child/code.html",
        {"public_page": True, "form": form},
        status=status,
    )


def _find_throttled(request: HttpRequest, code: str) -> Administration:
    """``find_by_code`` behind the code limits: per address, and wrong codes in total."""
    limits.check_public(request, "screening-code", field="code")
    try:
        return find_by_code(code)
    except CodeNotValid:
        limits.code_failed("screening-code")
        raise


@never_cache
@require_safe
def code_link(request: HttpRequest, code: str) -> HttpResponse:
    """The one-time link: checks the code once (throttled), keeps it in the session and
    leaves the address bar, so the code is never in a later address, log or history."""
    try:
        _find_throttled(request, code)
    except Conflict:
        return redirect("screening-done")
    except DomainError as error:
        form = CodeForm({"code": code})
        form.is_valid()
        form.add_error("code", str(error.detail))
        return render(
            request,
            "instruments/child/code.html",
            {"public_page": True, "form": form},
            status=error.status_code,
        )
    request.session[CODE_SESSION_KEY] = normalise_code(code)
    request.session.pop(SENT_SESSION_KEY, None)
    return redirect("screening-answer")


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest) -> HttpResponse:
    """The questionnaire, one question per screen, in the child's language."""
    code = request.session.get(CODE_SESSION_KEY)
    if not code:
        if request.method == "POST" and SENT_SESSION_KEY in request.session:
            return redirect(
                reverse("screening-done") + f"?lang={request.session[SENT_SESSION_KEY]}"
            )
        return redirect("screening-code")
    try:
        administration = find_by_code(code)
    except Conflict:
        request.session.pop(CODE_SESSION_KEY, None)
        return redirect("screening-done")
    except DomainError as error:
        request.session.pop(CODE_SESSION_KEY, None)
        form = CodeForm(initial={"code": code})
        form.add_error("code", str(error.detail))
        return render(
            request,
            "instruments/child/code.html",
            {"public_page": True, "form": form},
            status=error.status_code,
        )
    language = _child_language(request, administration)
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    status = 200
    with translation.override(language):
        if request.method == "POST":
            posted = posted_answers(request)
            try:
                submit_by_code(code=code, answers=posted)
            except Conflict:
                pass  # sent twice (a double tap): the first one counts
            except DomainError as error:
                errors = answer_errors(error)
                status = error.status_code
            if not errors:
                request.session.pop(CODE_SESSION_KEY, None)
                request.session[SENT_SESSION_KEY] = language
                return redirect(reverse("screening-done") + f"?lang={language}")
        spec = administration.spec
        return render(
            request,
            "instruments/child/questionnaire.html",
            {
                "public_page": True,
                "spec": spec,
                "instructions": pick(spec.instructions.as_dict()),
                # computed only if the template renders them: an unanswered questionnaire
                # is cached by its definition's checksum and language (docs/instruments.md)
                "questions": partial(questions, spec, posted, errors),
                "questions_checksum": ""
                if posted or errors
                else administration.instrument.checksum,
                "errors": errors,
                "language": language,
                "languages": [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")],
                "translation": translation_note(spec, language),
                "LANGUAGE_CODE": language,
            },
            status=status,
        )


@never_cache
@require_safe
def done(request: HttpRequest) -> HttpResponse:
    """Thanks, and where to get help: nothing about the answers or the result."""
    language = request.GET.get("lang") or active_language()
    language = language if language in ("kk", "ru", "en") else active_language()
    with translation.override(language):
        return render(
            request,
            "instruments/child/done.html",
            {"public_page": True, "LANGUAGE_CODE": language},
        )
