"""Pages of the regulation library (brief 1.5.1, 1.7.4, 2.3.6): the documents and their
versions, publishing a version with its briefing, my briefings to acknowledge, the
coverage of a briefing by region and role with the people missing, and the
methodological base."""

from __future__ import annotations

from urllib.parse import quote
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor import exports
from qamqor.accounts import access
from qamqor.library import selectors, services
from qamqor.library.forms import (
    AcknowledgeForm,
    DocumentForm,
    MaterialFilterForm,
    MaterialForm,
    VersionForm,
)
from qamqor.library.models import Acknowledgement, Document
from qamqor.pages import bound_form, exportable, paginate, private, run_form, success, user_of

ACK_PREFIX = "ack"


@login_required
@access.gate_required("library")
@require_safe
def library_index(request: HttpRequest) -> HttpResponse:
    """Every document with its current version; links to my briefings, the methodological
    base and, for coordinators, the coverage of briefings."""
    user = user_of(request)
    return render(
        request,
        "library/index.html",
        {
            "documents": selectors.document_list(user),
            "pending": selectors.pending_count(user),
            "may_publish": access.allows(user, "library_publish"),
            "may_see_coverage": access.allows(user, "library_coverage"),
        },
    )


@login_required
@access.gate_required("library")
@require_safe
def document_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A document's versions, newest first: number, effective date, summary, what
    changed, the summary's changes word by word, the text, the protocol version."""
    user = user_of(request)
    document = selectors.get_document(user, code)
    return render(
        request,
        "library/document.html",
        {
            "document": document,
            "versions": selectors.versions_of(document),
            "may_publish": access.allows(user, "library_publish"),
        },
    )


@login_required
@access.gate_required("library_publish")
@require_http_methods(["GET", "POST"])
def document_new(request: HttpRequest) -> HttpResponse:
    """The coordinating body adds a document; its first version is published next."""
    user = user_of(request)
    form = (
        bound_form(request, DocumentForm, prefix="document")
        if request.method == "POST"
        else (DocumentForm(prefix="document"))
    )
    return run_form(
        form,
        lambda data: services.add_document(actor=user, **data),
        done=lambda document: success(
            request,
            gettext("The document is added. Publish its first version."),
            redirect("library-version-new", code=document.code),
        ),
        again=lambda status: render(
            request, "library/document_new.html", {"form": form}, status=status
        ),
    )


def _version_page(
    request: HttpRequest, document: Document, form: forms.Form, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "library/version_new.html",
        {
            "document": document,
            "form": form,
            "previous": document.versions.order_by("-sequence").first(),
        },
        status=status,
    )


@login_required
@access.gate_required("library_publish")
@require_http_methods(["GET", "POST"])
def version_new(request: HttpRequest, code: str) -> HttpResponse:
    """The coordinating body publishes a new version and names the roles to be briefed:
    each of their active members gets a briefing to acknowledge and a notification."""
    user = user_of(request)
    document = selectors.get_document(user, code, "publish")
    form = (
        bound_form(request, VersionForm, prefix="version", with_files=True)
        if request.method == "POST"
        else VersionForm(prefix="version")
    )
    return run_form(
        form,
        lambda data: services.publish_version(actor=user, document=document, **data),
        done=lambda version: success(
            request,
            gettext("The version is published; %(count)s people are to acknowledge it.")
            % {"count": version.acknowledgements.count()},
            redirect("library-coverage", public_id=version.public_id),
        ),
        again=lambda status: _version_page(request, document, form, status),
    )


@login_required
@access.gate_required("library")
@require_safe
def briefings(request: HttpRequest) -> HttpResponse:
    """My briefings: the versions I am to confirm I have read, then those I have."""
    user = user_of(request)
    rows = list(selectors.my_briefings(user))
    return private(
        render(
            request,
            "library/briefings.html",
            {
                "pending": [row for row in rows if not row.acknowledged],
                "done": [row for row in rows if row.acknowledged],
                "form": AcknowledgeForm(prefix=ACK_PREFIX),
            },
        )
    )


@login_required
@access.gate_required("library")
@require_POST
def acknowledge(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Confirm that I have read a version (my own briefing only: 404 for anyone else's)."""
    user = user_of(request)
    acknowledgement = selectors.get_acknowledgement(user, public_id)
    form = bound_form(request, AcknowledgeForm, prefix=ACK_PREFIX)
    return run_form(
        form,
        lambda data: services.acknowledge(actor=user, acknowledgement=acknowledgement, **data),
        done=lambda _ack: success(
            request,
            gettext("Thank you: your acknowledgement is recorded."),
            redirect("library-briefings"),
        ),
        again=lambda status: private(
            render(
                request,
                "library/briefings.html",
                {
                    "pending": [acknowledgement],
                    "done": [],
                    "form": form,
                },
                status=status,
            )
        ),
    )


@login_required
@access.gate_required("library_coverage")
@require_safe
def coverage_list(request: HttpRequest) -> HttpResponse:
    """Every version that briefed someone, with how many in the coordinator's regions
    have acknowledged it."""
    return render(
        request,
        "library/coverage_list.html",
        {"versions": selectors.briefing_versions(user_of(request))},
    )


def _missing_rows(request: HttpRequest, public_id: UUID) -> QuerySet[Acknowledgement]:
    user = user_of(request)
    version = selectors.get_briefing_version(user, public_id)
    return selectors.missing_list(user, version, region_code=request.GET.get("region", ""))


MISSING = exports.TableExport(
    name="briefing-missing",
    title=_("Not yet acknowledged"),
    rows=_missing_rows,
    columns=[
        exports.Column(_("Name"), lambda ack: str(ack.user)),
        exports.column(_("Role"), "get_role_display"),
        exports.column(_("Organisation"), "organisation.name"),
        exports.column(_("Region"), "region.name"),
        exports.column(_("Reminders sent"), "reminders"),
    ],
    filters=("region",),
    scoped=True,
)


@login_required
@exportable(MISSING)
@access.gate_required("library_coverage")
@require_safe
def coverage(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A briefing's coverage in the coordinator's regions (``?region=`` narrows it to one
    of them; another region is a 404): counts by region and role and the people who have
    not acknowledged it."""
    user = user_of(request)
    version = selectors.get_briefing_version(user, public_id)
    region_code = request.GET.get("region", "")
    report = selectors.coverage(user, version, region_code=region_code)
    return private(
        render(
            request,
            "library/coverage.html",
            {
                "report": report,
                "version": version,
                "regions": selectors.coverage_regions(user),
                "region_code": region_code,
            },
        )
    )


@login_required
@access.gate_required("library")
@require_safe
def materials(request: HttpRequest) -> HttpResponse:
    """The methodological base: search by a word in any language, by topic and role."""
    user = user_of(request)
    form = MaterialFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    return render(
        request,
        "library/materials.html",
        {
            "form": form,
            "page": paginate(request, selectors.material_list(user, **filters)),
            "may_share": access.allows(user, "library_share"),
        },
    )


@login_required
@access.gate_required("library_share")
@require_http_methods(["GET", "POST"])
def material_new(request: HttpRequest) -> HttpResponse:
    """A coordinator shares a guide or a practice of their region."""
    user = user_of(request)
    form = (
        bound_form(request, MaterialForm, prefix="material", with_files=True)
        if request.method == "POST"
        else MaterialForm(prefix="material")
    )
    return run_form(
        form,
        lambda data: services.add_material(actor=user, **data),
        done=lambda material: success(
            request,
            gettext("The material is shared."),
            redirect("library-material", public_id=material.public_id),
        ),
        again=lambda status: render(
            request, "library/material_new.html", {"form": form}, status=status
        ),
    )


@login_required
@access.gate_required("library")
@require_safe
def material_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return render(
        request,
        "library/material.html",
        {"material": selectors.get_material(user_of(request), public_id)},
    )


@login_required
@access.gate_required("library")
@require_safe
def file_download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The text of a version or a material's file; downloaded, never shown inline."""
    stored = selectors.get_file(user_of(request), public_id)
    response = HttpResponse(bytes(stored.content), content_type=stored.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(stored.file_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
