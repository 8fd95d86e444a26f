"""The care places (PSC, consent, crisis basis) for the list-read tests."""

from tests.care.conftest import care  # noqa: F401
