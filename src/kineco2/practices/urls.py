"""The physiotherapist's journey, mounted at ``/cabinets/``."""

from django.urls import path

from kineco2.practices import declaration, views

urlpatterns = [
    path("", views.practice_list, name="practice_list"),
    path("nouveau/", views.practice_create, name="practice_create"),
    path("communes/", views.commune_search, name="commune_search"),
    path("<int:pk>/", views.practice_detail, name="practice_detail"),
    path("<int:pk>/invitations/", views.practice_invite, name="practice_invite"),
    path("<int:pk>/bilans/nouveau/", views.assessment_create, name="assessment_create"),
    path("bilans/<int:pk>/", views.assessment_resume, name="assessment_resume"),
    path("bilans/<int:pk>/preparer/", views.assessment_prepare, name="assessment_prepare"),
    path("bilans/<int:pk>/resultats/", views.assessment_results, name="assessment_results"),
    path("bilans/<int:pk>/valider/", views.assessment_complete, name="assessment_complete"),
    path("bilans/<int:pk>/rapport.pdf", views.assessment_pdf, name="assessment_pdf"),
    path(
        "bilans/<int:pk>/export.json", views.assessment_export_json, name="assessment_export_json"
    ),
    path("bilans/<int:pk>/export.csv", views.assessment_export_csv, name="assessment_export_csv"),
    path("bilans/<int:pk>/importer/", views.assessment_import, name="assessment_import"),
    path("bilans/<int:pk>/declaration-2035/", declaration.assessment_2035, name="assessment_2035"),
    path("bilans/<int:pk>/enregistrer/", views.assessment_save, name="assessment_save"),
    path("bilans/<int:pk>/sous-total/", views.assessment_subtotal, name="assessment_subtotal"),
    path("bilans/<int:pk>/<slug:step>/", views.assessment_step, name="assessment_step"),
]
