"""The surveys operations in the API, under /api/v1/surveys/ (docs/api.md)."""

from ninja import Router

router = Router(tags=["surveys"])
