"""Coordinated-practice structures, mounted at ``/structures/``; the guide at
``/exercice-coordonne/`` (see ``guide_urls``)."""

from django.urls import path

from kineco2.structures import views

urlpatterns = [
    path("", views.structure_list, name="structure_list"),
    path("nouvelle/", views.structure_create, name="structure_create"),
    path("invitation/<str:token>/", views.structure_invitation, name="structure_invitation"),
    path("<int:pk>/", views.structure_detail, name="structure_detail"),
    path("<int:pk>/inviter/", views.structure_invite, name="structure_invite"),
    path("<int:pk>/cle/", views.key_update, name="structure_key"),
    path(
        "<int:pk>/membres/<int:member_pk>/cle/", views.member_numbers, name="structure_member_key"
    ),
    path(
        "<int:pk>/membres/<int:member_pk>/partage/",
        views.member_sharing,
        name="structure_member_sharing",
    ),
    path(
        "<int:pk>/membres/<int:member_pk>/retirer/",
        views.member_leave,
        name="structure_member_leave",
    ),
    path("<int:pk>/professionnels/", views.professional_add, name="structure_professional_add"),
    path(
        "<int:pk>/professionnels/<int:professional_pk>/supprimer/",
        views.professional_delete,
        name="structure_professional_delete",
    ),
    path("<int:pk>/locaux/<int:year>/", views.premises_edit, name="structure_premises"),
    path("<int:pk>/bilan/<int:year>/", views.structure_footprint, name="structure_footprint"),
    path(
        "<int:pk>/bilan/<int:year>/export.csv",
        views.structure_footprint_csv,
        name="structure_footprint_csv",
    ),
    path(
        "<int:pk>/bilan/<int:year>/rapport.pdf",
        views.structure_footprint_pdf,
        name="structure_footprint_pdf",
    ),
    path("<int:pk>/plan/<int:year>/", views.structure_plan, name="structure_plan"),
]
