"""Scans, letters and report attachments (consent records, referrals, reports), kept in the
database; shared by the apps that take files.

They hold personal data, so they never sit in a public media folder: they are stored in
the same database as the records they belong to (localised with it, Law No. 94-V
Art. 12(2)), read only through a view that applies the access policy, and limited to
the formats a scanner or a phone produces (PDF, JPEG, PNG), recognised by content; a PDF
with scripts, automatic actions or embedded files is refused (``pdf_check``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils.translation import gettext_lazy as _

from qamqor.errors import InvalidInput
from qamqor.ops.fields import EncryptedBinaryField
from qamqor.pdf_check import check_pdf

SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _too_large(field: str, limit: int) -> InvalidInput:
    return InvalidInput.on(
        field,
        _("The file is too large: %(limit)d MB at most.") % {"limit": limit // (1024 * 1024)},
    )


def check_upload(upload: UploadedFile, *, field: str, limit: int | None = None) -> CheckedFile:
    """The upload if it is a PDF, JPEG or PNG within the size limit; else 422 on ``field``.

    ``limit`` defaults to ``CARE_FILE_MAX_BYTES``; intake passes its own (20 MB).
    """
    limit = limit or settings.CARE_FILE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise _too_large(field, limit)
    return check_content(
        upload.name or "document", upload.read(limit + 1), field=field, limit=limit
    )


def check_content(name: str, content: bytes, *, field: str, limit: int) -> CheckedFile:
    """The same check for bytes already in hand (an email's attachment, a chat's photo)."""
    if len(content) > limit:
        raise _too_large(field, limit)
    content_type = next(
        (kind for magic, kind in SIGNATURES.items() if content.startswith(magic)), None
    )
    if content_type is None:
        raise InvalidInput.on(field, _("Attach a PDF, JPEG or PNG file."))
    if content_type == "application/pdf":
        check_pdf(content, field=field)  # no scripts, actions or embedded files (pdf_check)
    name = (name or "document").replace("/", "_").replace("\\", "_")[-120:]
    return CheckedFile(name=name, content_type=content_type, content=content)


class StoredFile(models.Model):
    """A file held in the database; ``content`` is deferred in lists."""

    file_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = EncryptedBinaryField()  # encrypted at rest (docs/security.md)

    class Meta:
        abstract = True

    def fill_from(self, checked: CheckedFile) -> None:
        self.file_name = checked.name
        self.content_type = checked.content_type
        self.size = len(checked.content)
        self.sha256 = checked.sha256
        self.content = checked.content
