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
from qamqor.pages import run_service
from qamqor.translation import active_language, pick

CODE_SESSION_KEY = "qamqor.screening_code"
# Set when the answers are in: a resend whose first answer was lost on the way (a dropped
# connection, js/resend.js) is led to the thanks page, not back to the code.
SENT_SESSION_KEY = "qamqor.screening_sent"


def _child_language(request: HttpRequest, administration: Administration) -> str:
    chosen = request.GET.get("lang") or request.POST.get("lang") or ""
    return chosen if chosen in ("kk", "ru", "en") else administration.language


def _code_page(request: HttpRequest, form: CodeForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "instruments/child/code.html",
        {"public_page": True, "form": form},
        status=status,
    )


def _keep_code(request: HttpRequest, code: str) -> HttpResponse:
    """Keep the code in the session (never in an address) and open the questionnaire."""
    request.session[CODE_SESSION_KEY] = normalise_code(code)
    request.session.pop(SENT_SESSION_KEY, None)
    return redirect("screening-answer")


@never_cache
@require_http_methods(["GET", "POST"])
def code_entry(request: HttpRequest) -> HttpResponse:
    """The shared tablet's page: the child types the code from the slip."""
    form = CodeForm(request.POST or None)

    def refused(error: DomainError) -> HttpResponse:
        form.add_error("code", str(error.detail))
        return _code_page(request, form, error.status_code)

    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        return run_service(
            lambda: _find_throttled(request, code),
            done=lambda found: _keep_code(request, code),
            refused=refused,
        )
    return _code_page(request, form)


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

    return run_service(
        lambda: _find_throttled(request, code),
        done=lambda found: _keep_code(request, code),
        refused=lambda error: _code_refused(request, code, error),
    )


def _code_refused(request: HttpRequest, code: str, error: DomainError) -> HttpResponse:
    """The code's page again, saying why the code does not open the questions now (or
    the thanks, when its answers are already in)."""
    if isinstance(error, Conflict):
        return redirect("screening-done")
    form = CodeForm({"code": code})
    form.is_valid()
    form.add_error("code", str(error.detail))
    return _code_page(request, form, error.status_code)


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

    def gone(error: DomainError) -> HttpResponse:
        # The code stopped opening the questions since it was typed (consent refused,
        # expired, the campaign closed): forget it and say why on the code's page.
        request.session.pop(CODE_SESSION_KEY, None)
        return _code_refused(request, code, error)

    return run_service(
        lambda: find_by_code(code, to_show=True),
        done=lambda administration: _questionnaire(request, code, administration),
        refused=gone,
    )


def _questionnaire(request: HttpRequest, code: str, administration: Administration) -> HttpResponse:
    language = _child_language(request, administration)
    posted: dict[str, str] = {}

    def show(errors: dict[str, str], status: int) -> HttpResponse:
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

    def sent(result: object = None) -> HttpResponse:
        request.session.pop(CODE_SESSION_KEY, None)
        request.session[SENT_SESSION_KEY] = language
        return redirect(reverse("screening-done") + f"?lang={language}")

    def refused(error: DomainError) -> HttpResponse:
        if isinstance(error, Conflict):
            return sent()  # sent twice (a double tap): the first one counts
        errors = answer_errors(error)
        return show(errors, error.status_code) if errors else sent()

    with translation.override(language):
        if request.method != "POST":
            return show({}, 200)
        posted = posted_answers(request)
        return run_service(
            lambda: submit_by_code(code=code, answers=posted), done=sent, refused=refused
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
