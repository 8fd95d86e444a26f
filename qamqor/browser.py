"""How Qamqor starts Debian's Chromium headless (the screenshot command and the browser
tests): offline, so it never reaches for the internet in a closed network."""

from __future__ import annotations

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying to reach the internet.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
