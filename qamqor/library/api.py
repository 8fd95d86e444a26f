"""The library operations in the API, under /api/v1/library/ (docs/api.md)."""

from ninja import Router

router = Router(tags=["library"])
