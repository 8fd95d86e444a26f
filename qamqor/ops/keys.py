"""The data keys: one list of Fernet keys for everything Qamqor encrypts at rest.

Backups (``qamqor.ops.backup``) are encrypted with them now; field encryption of
narratives, notes, names and contacts (``qamqor.ops.fields``) is meant to use the same list, so an
operator keeps and rotates one set of keys.

Keys come from ``QAMQOR_DATA_KEYS`` (comma-separated) or from the file named by
``QAMQOR_DATA_KEYS_FILE`` (one key per line, ``#`` comments allowed): each a Fernet key,
32 random bytes in URL-safe base64, as ``qamqor keys generate`` prints. The FIRST key
encrypts; every key in the list decrypts (``MultiFernet``). Rotation is:

1. put a new key first, keep the old ones after it;
2. re-encrypt what was written with the old keys (``qamqor keys rotate-backup FILE…``;
   ``MultiFernet.rotate`` keeps each record's content and gives it the first key);
3. when nothing is left under an old key, drop it from the list.

A key kept in the database it protects protects nothing: keys live in the environment
or a file (a secret store mounts one), never in the database or a backup. A keyed blind
index for exact-match lookups (``qamqor.ops.fields``) needs a key that never rotates with
these: it should get its own setting rather than be derived from this list.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.core.exceptions import ImproperlyConfigured

ENV_KEYS = "QAMQOR_DATA_KEYS"
ENV_KEYS_FILE = "QAMQOR_DATA_KEYS_FILE"

__all__ = ["InvalidToken", "NoDataKeys", "data_keys", "generate_key", "multifernet"]


class NoDataKeys(ImproperlyConfigured):
    """No key is configured: nothing can be encrypted or decrypted."""


def generate_key() -> str:
    """A new random Fernet key (URL-safe base64 text)."""
    return Fernet.generate_key().decode()


def _parse(text: str) -> list[str]:
    keys = []
    for line in text.replace(",", "\n").splitlines():
        key = line.split("#", 1)[0].strip()
        if key:
            keys.append(key)
    return keys


def data_keys(environ: os._Environ[str] | dict[str, str] | None = None) -> list[str]:
    """The configured keys, the encrypting one first; ``NoDataKeys`` if there are none,
    ``ImproperlyConfigured`` naming the position of a key that is not a Fernet key."""
    environ = os.environ if environ is None else environ
    file_name = environ.get(ENV_KEYS_FILE)
    if file_name:
        try:
            keys = _parse(Path(file_name).read_text())
        except OSError as error:
            raise ImproperlyConfigured(
                f"{ENV_KEYS_FILE}: cannot read {file_name}: {error}"
            ) from None
    else:
        keys = _parse(environ.get(ENV_KEYS, ""))
    if not keys:
        raise NoDataKeys(
            f"no data key: set {ENV_KEYS} or {ENV_KEYS_FILE} (a key from `qamqor keys generate`)"
        )
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ImproperlyConfigured(
                f"{ENV_KEYS}: key {position} is not a Fernet key (32 bytes, URL-safe base64)"
            ) from None
    return keys


def multifernet(keys: list[str] | None = None) -> MultiFernet:
    """Encrypts with the first key, decrypts with any of them."""
    return MultiFernet([Fernet(key) for key in (keys or data_keys())])
