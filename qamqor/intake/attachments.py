"""Attachments of reports: PDF, JPEG or PNG up to 20 MB, checked by content (the shared
files' check, ``qamqor.files.check_content``), with image metadata such as the location
where a photo was taken removed before anything is stored."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps

from qamqor.errors import InvalidInput
from qamqor.files import CheckedFile, check_content


def strip_metadata(checked: CheckedFile, *, field: str) -> CheckedFile:
    """Re-encode an image without its EXIF/XMP/text chunks (GPS position, device); a file
    that only looks like an image is refused. PDFs are kept as they are."""
    if checked.content_type == "application/pdf":
        return checked
    try:
        with Image.open(io.BytesIO(checked.content)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if checked.content_type == "image/jpeg":
                upright.convert("RGB").save(out, format="JPEG", quality=90)
            else:
                upright.save(out, format="PNG")
    except Exception:
        raise InvalidInput.on(field, _("This file is damaged or is not really an image.")) from None
    return CheckedFile(name=checked.name, content_type=checked.content_type, content=out.getvalue())


def check_bytes(name: str, content: bytes, *, field: str = "attachments") -> CheckedFile:
    """For channels that receive bytes (email, chat): the same check and cleaning."""
    limit = settings.REPORT_ATTACHMENT_MAX_BYTES
    return strip_metadata(check_content(name, content, field=field, limit=limit), field=field)


def check_uploads(
    uploads: Iterable[UploadedFile], *, field: str = "attachments"
) -> list[CheckedFile]:
    """The web form's files, each checked; 422 naming ``field`` for the first bad one."""
    files = list(uploads)
    if len(files) > settings.REPORT_ATTACHMENT_MAX_FILES:
        raise InvalidInput.on(
            field,
            ngettext(
                "Attach at most %(count)d file.",
                "Attach at most %(count)d files.",
                settings.REPORT_ATTACHMENT_MAX_FILES,
            )
            % {"count": settings.REPORT_ATTACHMENT_MAX_FILES},
        )
    limit = settings.REPORT_ATTACHMENT_MAX_BYTES
    checked = []
    for upload in files:
        if upload.size is not None and upload.size > limit:
            raise InvalidInput.on(
                field,
                _("The file is too large: %(limit)d MB at most.")
                % {"limit": limit // (1024 * 1024)},
            )
        content = upload.read(limit + 1)
        checked.append(check_bytes(upload.name or "attachment", content, field=field))
    return checked
