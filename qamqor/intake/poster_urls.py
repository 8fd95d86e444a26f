"""QR poster pages under /posters/. URL names are a contract: pages and tests reverse them."""

from __future__ import annotations

from django.urls import path

from qamqor.intake import poster_views

urlpatterns = [
    path("posters/", poster_views.poster_index, name="poster-index"),
    path(
        "posters/school/<slug:school_code>.pdf",
        poster_views.school_poster,
        name="poster-school",
    ),
    path(
        "posters/district/<slug:district_code>.pdf",
        poster_views.district_posters,
        name="poster-district",
    ),
]
