"""The prevention operations in the API, under /api/v1/prevention/ (docs/api.md)."""

from ninja import Router

router = Router(tags=["prevention"])
