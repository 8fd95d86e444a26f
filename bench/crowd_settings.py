"""The product's settings with one change for bench/crowd_pages.py: the URLconf adds a
trivial view (the reference), so the product itself carries no such page."""

from qamqor.settings import *  # noqa: F403  the product's settings, unchanged

ROOT_URLCONF = "crowd_urls"
