"""The Telegram webhook: the secret header is checked in constant time, 403 otherwise."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from qamqor.chatbot import services

MAX_UPDATE_BYTES = 64 * 1024


@csrf_exempt  # Telegram cannot send a CSRF token; the secret header authenticates it
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    expected = settings.TELEGRAM_WEBHOOK_SECRET
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"detail": "Forbidden.", "errors": []}, status=403)
    if len(request.body) > MAX_UPDATE_BYTES:
        return _bad("body", "The update is too large.", status=413)
    try:
        update = json.loads(request.body)
    except ValueError:
        return _bad("body", "The request body is not valid JSON.")
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        return _bad("update_id", "An update needs an integer update_id.")
    handled = services.handle_update(update)
    return JsonResponse({"ok": True, "duplicate": not handled})


def _bad(field: str, message: str, status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"detail": message, "errors": [{"field": field, "message": message}]}, status=status
    )
