"""The child's one-time codes: made from the administration's id, never stored, and the
lookup that opens an administration for answering.

A code is an HMAC of the administration's public id, recomputed to print it again; only its
SHA-256 hash is stored, to find the administration when the child types it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.cases import services as case_services
from qamqor.errors import Conflict, DomainError
from qamqor.instruments.models import (
    Administration,
    Campaign,
)

CODE_ALPHABET = case_services.CHILD_CODE_ALPHABET  # no 0/O, 1/I: read aloud safely
CODE_LENGTH = 10  # 32^10 = 2^50 codes


def access_code_for(administration: Administration) -> str:
    """The child's one-time code, such as ``K7Q2M-9XDPA``: an HMAC of the administration's
    id, so it can be printed again without being stored."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        b"qamqor-screening-code:" + administration.public_id.bytes,
        hashlib.sha256,
    ).digest()
    raw = "".join(CODE_ALPHABET[byte % len(CODE_ALPHABET)] for byte in digest[:CODE_LENGTH])
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(typed: str) -> str:
    """What the child typed, as a code: case, spaces and dashes do not matter."""
    raw = re.sub(r"[^A-Za-z0-9]", "", typed or "").upper()
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == CODE_LENGTH else raw


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


class CodeNotValid(DomainError):
    """A one-time code that does not exist, has expired or whose consent is missing."""

    status_code = 404


#: What checking a code and showing its questions read (``find_by_code(to_show=True)``).
SHOWN_FIELDS = (
    "mode",
    "status",
    "language",
    "expires_at",
    "instrument__code",
    "instrument__version",
    "instrument__checksum",
    "campaign__status",
    "campaign__opens_on",
    "campaign__consent_required",
    "pupil__consent",
)


def find_by_code(
    code: str, *, now: datetime | None = None, to_show: bool = False
) -> Administration:
    """The administration a child's code opens, if it may be answered now. Showing the
    questions (``to_show``) reads only ``SHOWN_FIELDS``: not the child's record with its
    encrypted fields, nor the answers and scores; the fewer columns are also what makes
    the page the crowd of a campaign opens cheap to query (bench/crowd_pages.py)."""
    related = Administration.objects.select_related("instrument", "campaign", "pupil")
    if to_show:
        administrations = related.only(*SHOWN_FIELDS)
    else:
        administrations = related.select_related("child").defer("instrument__definition")
    try:
        administration: Administration | None = administrations.get(
            access_code_hash=code_hash(code), mode=Administration.Mode.SELF
        )
    except Administration.DoesNotExist:
        administration = None
    not_valid = _("This code is not valid. Check it with your psychologist.")
    if administration is None or administration.status == Administration.Status.CANCELLED:
        raise CodeNotValid(not_valid, [])
    if administration.status == Administration.Status.COMPLETED:
        raise Conflict(_("These answers were already sent."))
    if administration.is_expired(now):
        raise CodeNotValid(_("This code has expired. Ask your psychologist for a new one."), [])
    campaign = administration.campaign
    if campaign is not None:
        pupil = getattr(administration, "pupil", None)
        if (
            campaign.status != Campaign.Status.OPEN
            or campaign.opens_on > timezone.localtime(now).date()
            or (pupil is not None and not pupil.may_answer(campaign.consent_required))
        ):
            raise CodeNotValid(_("This code cannot be used yet. Ask your psychologist."), [])
    return administration
