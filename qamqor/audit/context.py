"""The request being served, for the audit log: its id, actor and address."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip_address: str | None = None


current_request: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "qamqor_request", default=None
)
