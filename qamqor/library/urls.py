"""The library pages, under /library/ (brief 1.5.1, 1.7.4, 2.3.6)."""

from __future__ import annotations

from django.urls import path

from qamqor.library import views

urlpatterns = [
    path("library/", views.library_index, name="library"),
    path("library/new-document/", views.document_new, name="library-document-new"),
    path("library/documents/<slug:code>/", views.document_detail, name="library-document"),
    path("library/documents/<slug:code>/publish/", views.version_new, name="library-version-new"),
    path("library/briefings/", views.briefings, name="library-briefings"),
    path(
        "library/briefings/<uuid:public_id>/acknowledge/",
        views.acknowledge,
        name="library-acknowledge",
    ),
    path("library/coverage/", views.coverage_list, name="library-coverage-list"),
    path("library/coverage/<uuid:public_id>/", views.coverage, name="library-coverage"),
    path("library/materials/", views.materials, name="library-materials"),
    path("library/materials/new/", views.material_new, name="library-material-new"),
    path("library/materials/<uuid:public_id>/", views.material_detail, name="library-material"),
    path("library/files/<uuid:public_id>/", views.file_download, name="library-file"),
]
