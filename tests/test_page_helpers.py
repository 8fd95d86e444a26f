"""The form cycle every page shares (``qamqor.pages.run_form``, ``run_action``): a posted
form is validated, handed to a service, and the service's refusal lands on the form."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from qamqor.errors import Conflict, FieldProblem, InvalidInput, NotAllowed
from qamqor.pages import refusal_text, run_action, run_form, run_service, success


class NoteForm(forms.Form):
    note = forms.CharField(max_length=10)


class NoticeForm(forms.Form):
    kk_body = forms.CharField()


def _request() -> HttpRequest:
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _told(request: HttpRequest) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(request)]


def _answer(form: forms.Form, action: Any, **kwargs: Any) -> HttpResponse:
    return run_form(
        form,
        action,
        done=lambda result: HttpResponse(f"done {result}", status=302),
        again=lambda status: HttpResponse("again", status=status),
        **kwargs,
    )


def test_an_accepted_form_answers_done_with_the_services_result() -> None:
    calls: list[dict[str, Any]] = []

    def action(data: dict[str, Any]) -> str:
        calls.append(data)
        return "R-1"

    response = _answer(NoteForm({"note": "hello"}), action)

    assert (response.status_code, response.content) == (302, b"done R-1")
    assert calls == [{"note": "hello"}]


def test_a_form_not_posted_yet_is_shown_without_calling_the_service() -> None:
    response = _answer(NoteForm(), lambda data: pytest.fail("the service was called"))

    assert (response.status_code, response.content) == (200, b"again")


def test_the_forms_own_errors_are_a_422_without_calling_the_service() -> None:
    form = NoteForm({"note": "far too long a note"})

    response = _answer(form, lambda data: pytest.fail("the service was called"))

    assert response.status_code == 422
    assert "note" in form.errors


@pytest.mark.parametrize("error_class", [InvalidInput, NotAllowed, Conflict])
def test_a_refusal_is_shown_on_the_form_with_the_services_status(error_class: Any) -> None:
    form = NoteForm({"note": "hello"})

    def action(data: dict[str, Any]) -> None:
        raise error_class("Refused.", [FieldProblem("note", "Not this note.")])

    response = _answer(form, action)

    assert response.status_code == error_class.status_code
    assert form.errors["note"] == ["Not this note."]
    assert form.non_field_errors() == ["Refused."]


def test_a_services_field_prefix_is_taken_off_before_the_field_is_named() -> None:
    form = NoteForm({"note": "hello"})

    def action(data: dict[str, Any]) -> None:
        raise InvalidInput.on("output.note", "Not this note.")

    response = _answer(form, action, field_prefix="output.")

    assert response.status_code == 422
    assert form.errors["note"] == ["Not this note."]
    assert form.non_field_errors() == []


def test_a_services_field_name_is_turned_into_the_forms() -> None:
    form = NoticeForm({"kk_body": "hello"})

    def action(data: dict[str, Any]) -> None:
        raise InvalidInput.on("texts.kk.body", "This text cannot be empty.")

    response = _answer(
        form, action, field_prefix="texts.", field_name=lambda name: name.replace(".", "_")
    )

    assert response.status_code == 422
    assert form.errors["kk_body"] == ["This text cannot be empty."]
    assert form.non_field_errors() == []


def test_a_check_before_validation_refuses_an_invalid_post_as_well() -> None:
    form = NoteForm({"note": "far too long a note"})

    def first() -> None:
        raise InvalidInput.on("note", "Too many attempts from this address.")

    response = _answer(form, lambda data: pytest.fail("the service was called"), first=first)

    assert response.status_code == 422
    assert "Too many attempts from this address." in form.errors["note"]


def test_a_check_that_passes_leaves_the_form_to_its_service() -> None:
    checked: list[bool] = []

    response = _answer(
        NoteForm({"note": "hello"}), lambda data: "R-2", first=lambda: checked.append(True)
    )

    assert (response.status_code, response.content, checked) == (302, b"done R-2", [True])


def test_without_done_and_again_the_status_is_returned() -> None:
    def refuse(data: dict[str, Any]) -> None:
        raise Conflict("Already closed.")

    assert run_form(NoteForm({"note": "hello"}), lambda data: None) is None
    assert run_form(NoteForm({"note": ""}), lambda data: None) == 422
    assert run_form(NoteForm({"note": "hello"}), refuse) == 409


def test_a_page_may_word_a_refusal_on_its_form_its_own_way() -> None:
    shown: list[str] = []

    def action(data: dict[str, Any]) -> None:
        raise Conflict("Sent already.")

    def refused(form: forms.Form, error: Any) -> None:
        shown.append(type(error).__name__)
        form.add_error(None, "Your first report is saved.")

    form = NoteForm({"note": "hello"})
    response = _answer(form, action, show_refusal=refused)

    assert response.status_code == 409
    assert shown == ["Conflict"]
    assert form.non_field_errors() == ["Your first report is saved."]


def test_a_service_call_answers_done_or_its_refusal_as_the_page_shows_it() -> None:
    def refuse() -> str:
        raise NotAllowed("Only the national coordinator publishes.")

    assert run_service(lambda: "v3", done=lambda r: f"published {r}", refused=str) == (
        "published v3"
    )
    assert run_service(
        refuse, done=lambda r: f"published {r}", refused=lambda e: e.status_code
    ) == (403)


def test_an_accepted_action_answers_done_and_tells_nothing() -> None:
    request = _request()

    response = run_action(
        request,
        lambda: 7,
        done=lambda result: HttpResponse(f"done {result}"),
        again=lambda: HttpResponse("again"),
    )

    assert response.content == b"done 7"
    assert _told(request) == []


def test_a_refused_action_is_told_as_an_error_and_answers_again() -> None:
    request = _request()

    def action() -> None:
        raise InvalidInput("Refused.", [FieldProblem("body", "Write a message first.")])

    response = run_action(
        request,
        action,
        done=lambda result: HttpResponse("done"),
        again=lambda: HttpResponse("back"),
    )

    assert response.content == b"back"
    assert _told(request) == [("error", "Write a message first.")]


def test_a_refusal_naming_no_problem_is_told_by_its_detail() -> None:
    assert refusal_text(Conflict("The campaign is closed.")) == "The campaign is closed."
    twice = InvalidInput("x", [FieldProblem("a", "Same."), FieldProblem("b", "Same.")])
    assert refusal_text(twice) == "Same."


def test_success_tells_the_message_with_the_response() -> None:
    request = _request()
    response = HttpResponse("next")

    assert success(request, "Saved.", response) is response
    assert _told(request) == [("success", "Saved.")]
