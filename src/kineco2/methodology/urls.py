from django.urls import path

from kineco2.methodology import views

urlpatterns = [
    path("changements/", views.changes, name="methodology_changes"),
    path("versions/", views.versions, name="methodology_versions"),
    path("versions/<str:version>/", views.version_effect, name="methodology_version_effect"),
    path(
        "versions/<str:version>/avancement/",
        views.version_progress,
        name="methodology_version_progress",
    ),
    path(
        "versions/<str:version>/recalculer/",
        views.version_recompute,
        name="methodology_version_recompute",
    ),
]

#: mounted under ``cabinets/`` before the practices' URLs (``bilans/<pk>/<step>/``)
practitioner_urlpatterns = [
    path("bilans/<int:pk>/methode/", views.assessment_method, name="assessment_method"),
]
