"""Écosoins, mounted at ``/ecosoins/``: catalogue, recommendations, simulator, plans,
initiatives, statistics and FAQ."""

from django.urls import path

from kineco2.ecosoins import views

urlpatterns = [
    path("", views.catalogue, name="ecosoins_catalogue"),
    path("actions/<slug:action_id>/", views.action_detail, name="ecosoins_action_detail"),
    path("faq/", views.faq, name="ecosoins_faq"),
    path("statistiques/", views.stats, name="ecosoins_stats"),
    path("initiatives/proposer/", views.initiative_submit, name="ecosoins_initiative_submit"),
    path("initiatives/les-miennes/", views.my_initiatives, name="ecosoins_my_initiatives"),
    path("initiatives/<int:pk>/", views.initiative_detail, name="ecosoins_initiative_detail"),
    path("moderation/", views.moderation, name="ecosoins_moderation"),
    path("moderation/<int:pk>/", views.moderate, name="ecosoins_moderate"),
    path(
        "bilans/<int:pk>/recommandations/",
        views.recommendations_page,
        name="ecosoins_recommendations",
    ),
    path("bilans/<int:pk>/simulateur/", views.simulator, name="ecosoins_simulator"),
    path("bilans/<int:pk>/plan/ajouter/", views.plan_add, name="ecosoins_plan_add"),
    path("cabinets/<int:pk>/plan/", views.plan, name="ecosoins_plan"),
    path(
        "cabinets/<int:pk>/plan/<int:item_pk>/modifier/",
        views.plan_edit,
        name="ecosoins_plan_edit",
    ),
    path(
        "cabinets/<int:pk>/plan/<int:item_pk>/retirer/",
        views.plan_remove,
        name="ecosoins_plan_remove",
    ),
]
