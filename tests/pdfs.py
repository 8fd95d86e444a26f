"""Real PDFs for upload tests: a clean one-page document and crafted hostile variants.

Built with pypdf's writer, so each is a well-formed file a viewer would open; the hostile
ones carry exactly one active feature each.
"""

from __future__ import annotations

import io
import zlib

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def clean_pdf() -> bytes:
    """One blank A4 page, nothing else."""
    return _written(_writer())


def _js_action(code: str = "app.alert('x')") -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(code),
        }
    )


def _add_document_javascript(writer: PdfWriter, code: str) -> None:
    names = ArrayObject([TextStringObject("init"), writer._add_object(_js_action(code))])
    tree = DictionaryObject({NameObject("/Names"): names})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})


def pdf_with_document_javascript() -> bytes:
    """A document-level script in the names tree (/Names /JavaScript)."""
    writer = _writer()
    _add_document_javascript(writer, "app.alert('hello');")
    return _written(writer)


def pdf_with_open_action_javascript() -> bytes:
    """/OpenAction is a JavaScript action: runs when the file opens."""
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(_js_action())
    return _written(writer)


def pdf_with_open_action_destination() -> bytes:
    """/OpenAction is a plain destination (open at page 1, fit width): harmless."""
    writer = _writer()
    page = writer.pages[0].indirect_reference
    writer._root_object[NameObject("/OpenAction")] = ArrayObject([page, NameObject("/FitH")])
    return _written(writer)


def pdf_with_page_additional_action() -> bytes:
    """/AA on the page: an action when the page is opened."""
    writer = _writer()
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): _js_action()})
    return _written(writer)


def pdf_with_launch_action() -> bytes:
    """A link whose action starts a program (/Launch)."""
    writer = _writer()
    launch = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("cmd.exe"),
        }
    )
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/A"): launch,
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return _written(writer)


def pdf_with_embedded_file() -> bytes:
    """A file attached inside the PDF (/EmbeddedFiles, /EmbeddedFile)."""
    writer = _writer()
    writer.add_attachment("payload.exe", b"MZ not really a program")
    return _written(writer)


def pdf_with_escaped_javascript_name() -> bytes:
    """/JavaScript spelt with a hex escape (/J#61vaScript) and the script in a compressed
    stream: invisible to a byte search, seen by the parser."""
    writer = _writer()
    _add_document_javascript(writer, "app.alert('hidden');")
    raw = _written(writer)
    escaped = raw.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")
    assert b"/JavaScript" not in escaped
    return escaped


def pdf_with_javascript_in_object_stream() -> bytes:
    """The JavaScript action hidden inside a compressed object stream (PDF 1.5), with a
    cross-reference stream: no marker in the raw bytes at all."""
    action = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"
    pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
    # object stream 5 holds objects 1..4
    bodies = [catalog, pages, page, action]
    offsets, body = [], b""
    for item in bodies:
        offsets.append(len(body))
        body += item + b"\n"
    header = b" ".join(f"{n} {o}".encode() for n, o in zip(range(1, 5), offsets, strict=True))
    header += b"\n"
    packed = zlib.compress(header + body)
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    objstm_offset = out.tell()
    out.write(
        b"5 0 obj\n<< /Type /ObjStm /N 4 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(header), len(packed))
    )
    out.write(packed + b"\nendstream\nendobj\n")
    xref_offset = out.tell()
    # cross-reference stream (object 6): type 2 entries point into the object stream
    rows = [b"\x00\x00\x00\x00\xff\xff"]  # object 0: free
    rows += [b"\x02" + (5).to_bytes(3, "big") + i.to_bytes(2, "big") for i in range(4)]
    rows.append(b"\x01" + objstm_offset.to_bytes(3, "big") + b"\x00\x00")
    rows.append(b"\x01" + xref_offset.to_bytes(3, "big") + b"\x00\x00")
    table = zlib.compress(b"".join(rows))
    out.write(
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 3 2] /Root 1 0 R /Filter /FlateDecode "
        b"/Length %d >>\nstream\n" % len(table)
    )
    out.write(table + b"\nendstream\nendobj\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref_offset)
    content = out.getvalue()
    assert b"JavaScript" not in content
    return content


def encrypted_pdf() -> bytes:
    """Encrypted with a user password: its contents cannot be checked."""
    writer = _writer()
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    return _written(writer)
