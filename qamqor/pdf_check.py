"""PDF uploads are refused when they carry anything a viewer could run or unpack.

A report, a consent scan or a referral letter is read by school, PSC and police staff on
their own machines. A PDF can carry JavaScript (``/JS``, ``/JavaScript``), actions that
run when it opens or a page is shown (``/OpenAction``, ``/AA``), programs to start
(``/Launch``) and whole files inside it (``/EmbeddedFiles``, ``/EmbeddedFile``): none of
that belongs in a scan or a letter, so such a PDF is refused with a 422 naming the field
(docs/security.md, "PDF uploads"). Refusing is simpler and safer than flattening, and a
reporter who meets it can print the document to a new PDF or attach a photo.

The check parses the file with a real PDF parser (pypdf) and looks at every object in the
cross-reference table, including objects packed in compressed object streams and objects
no page refers to, with names already decoded (``/J#61vaScript`` is ``/JavaScript``), so
neither compression nor name escapes hide anything. A plain byte search for the long
names runs as well, for a file whose table is damaged enough that the parser loses
objects a lenient viewer would still find.
"""

from __future__ import annotations

import io
import logging

from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from qamqor.errors import InvalidInput

logger = logging.getLogger(__name__)

#: Keys whose mere presence means active content or a file inside the file.
ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/XFA", "/RichMedia"}
)
#: Action types (``/S``) that run code, start programs or open embedded documents.
ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute", "/GoToE", "/SubmitForm"}
)
#: Object types (``/Type``) of embedded files.
ACTIVE_TYPES = frozenset({"/EmbeddedFile", "/Filespec"})
#: Long names searched in the raw bytes as well (short ones would match compressed data).
RAW_MARKERS = (b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia")
#: More objects than any scan or letter has: refused rather than parsed at length.
MAX_OBJECTS = 200_000


def _refused(field: str) -> InvalidInput:
    return InvalidInput.on(
        field,
        _(
            "This PDF contains scripts, automatic actions or embedded files, which are not "
            "accepted. Print it to a new PDF or attach a photo of the pages."
        ),
    )


def _unreadable(field: str) -> InvalidInput:
    return InvalidInput.on(
        field,
        _(
            "This PDF is damaged or password-protected and cannot be checked. Print it to a "
            "new PDF or attach a photo of the pages."
        ),
    )


def active_content(reader: PdfReader) -> str | None:
    """The first active feature found in any object of the file, or ``None``."""
    seen: set[tuple[int, int]] = set()
    pending: list[object] = [reader.trailer]
    for generation, numbers in reader.xref.items():
        pending.extend(IndirectObject(number, generation, reader) for number in numbers)
    pending.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    if len(pending) > MAX_OBJECTS:
        return "too many objects"
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                item = item.get_object()
            except (PyPdfError, ValueError, KeyError, OSError):
                continue  # a missing or broken object holds nothing a viewer could run
        if isinstance(item, DictionaryObject):  # also a stream's dictionary
            found = _active_in_dictionary(item)
            if found:
                return found
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return None


def _active_in_dictionary(dictionary: DictionaryObject) -> str | None:
    for key in dictionary:
        if key in ACTIVE_KEYS:
            return str(key)
    action = dictionary.get("/S")
    if isinstance(action, NameObject) and action in ACTIVE_ACTIONS:
        return str(action)
    kind = dictionary.get("/Type")
    if isinstance(kind, NameObject) and kind in ACTIVE_TYPES:
        return str(kind)
    open_action = dictionary.get("/OpenAction")
    if open_action is not None:
        target = open_action.get_object() if hasattr(open_action, "get_object") else open_action
        # a destination (an array: open at page 1) is harmless; an action dictionary is not
        if isinstance(target, DictionaryObject):
            return "/OpenAction"
    return None


def check_pdf(content: bytes, *, field: str) -> None:
    """Refuse (422 on ``field``) a PDF with scripts, actions or embedded files, and one
    that cannot be parsed or is encrypted so that it cannot be checked."""
    marker = next((m for m in RAW_MARKERS if m in content), None)
    if marker is not None:
        logger.info("PDF refused on %s: raw %s", field, marker.decode())
        raise _refused(field)
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise _unreadable(field)
        found = active_content(reader)
    except InvalidInput:
        raise
    except Exception:  # pypdf raises many kinds on hostile input; none may become a 500
        logger.info("PDF refused on %s: not parseable", field)
        raise _unreadable(field) from None
    if found is not None:
        logger.info("PDF refused on %s: %s", field, found)
        raise _refused(field)
