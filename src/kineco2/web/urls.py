from django.urls import path

from kineco2.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("methodologie/", views.methodology, name="methodology"),
    path("protection-des-donnees/", views.data_protection, name="data_protection"),
    path("methodologie/postes/<slug:post_id>/", views.methodology_post, name="methodology_post"),
    path(
        "methodologie/nouveautes-2026-1/", views.release_notes_2026_1, name="release_notes_2026_1"
    ),
    path("methodologie/glossaire/", views.glossary, name="glossary"),
    path("methodologie/facteurs/", views.factor_list, name="factor_list"),
    path("methodologie/facteurs/<slug:factor_id>/", views.factor_detail, name="factor_detail"),
]
