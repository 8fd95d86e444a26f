"""The training operations in the API, under /api/v1/training/ (docs/api.md)."""

from ninja import Router

router = Router(tags=["training"])
