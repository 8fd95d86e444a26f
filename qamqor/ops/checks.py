"""System checks of the operations settings (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from qamqor.ops.keys import ENV_KEYS, ENV_KEYS_FILE, data_keys


@checks.register(checks.Tags.security, deploy=True)
def data_keys_configured(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """ops.E001: production encrypts fields and backups with real keys, never the
    development key derived from the secret key (qamqor.ops.fields)."""
    if not settings.PRODUCTION:
        return []
    try:
        data_keys()
    except ImproperlyConfigured as error:
        return [
            checks.Error(
                str(error),
                hint=f"set {ENV_KEYS} or {ENV_KEYS_FILE}; `qamqor keys generate` makes a key",
                id="ops.E001",
            )
        ]
    return []
