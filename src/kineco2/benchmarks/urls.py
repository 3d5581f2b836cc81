"""État des lieux, mounted at ``/etat-des-lieux/``."""

from django.urls import path

from kineco2.benchmarks import views

urlpatterns = [
    path("", views.etat_des_lieux, name="etat_des_lieux"),
    path("etat-des-lieux.csv", views.etat_des_lieux_csv, name="etat_des_lieux_csv"),
    path("etat-des-lieux.pdf", views.etat_des_lieux_pdf, name="etat_des_lieux_pdf"),
    path("api/distributions", views.api_distributions, name="etat_des_lieux_api"),
    path("coordination/", views.coordination, name="etat_des_lieux_coordination"),
    path(
        "coordination/etat-des-lieux.csv",
        views.coordination_csv,
        name="etat_des_lieux_coordination_csv",
    ),
    path(
        "coordination/etat-des-lieux.pdf",
        views.coordination_pdf,
        name="etat_des_lieux_coordination_pdf",
    ),
    path("api/coordination", views.api_coordination, name="etat_des_lieux_coordination_api"),
]
