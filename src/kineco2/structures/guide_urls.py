"""« L'exercice coordonné »: the public guide, regional contacts and the directory."""

from django.urls import path

from kineco2.structures import guide_views

urlpatterns = [
    path("", guide_views.guide_index, name="guide_index"),
    path("contacts/", guide_views.guide_contacts, name="guide_contacts"),
    path("annuaire/", guide_views.directory, name="guide_directory"),
    path("<slug:slug>/", guide_views.guide_page, name="guide_page"),
]
