"""Panel URLs, mounted at ``/panel/``. Paths are in French, names in English."""

from django.urls import path

from kineco2.panel import views

urlpatterns = [
    # public
    path("", views.home, name="panel_home"),
    path("candidatures/<slug:slug>/", views.apply, name="panel_apply"),
    path("candidatures/<slug:slug>/envoyee/", views.apply_done, name="panel_apply_done"),
    path("zone/", views.zone_guess, name="panel_zone_guess"),
    path("communes/", views.commune_search, name="panel_commune_search"),
    path("tirages/<slug:slug>/", views.verify, name="panel_verify"),
    path("tirages/<slug:slug>/<str:name>", views.download, name="panel_download"),
    # participants
    path("participer/<str:token>/", views.participate, name="panel_participate"),
    path("mes-campagnes/", views.my_campaigns, name="panel_my_campaigns"),
    # coordination
    path("coordination/", views.dashboard, name="panel_dashboard"),
    path("coordination/campagnes/nouvelle/", views.campaign_create, name="panel_campaign_create"),
    path("coordination/campagnes/<slug:slug>/", views.campaign_detail, name="panel_campaign"),
    path(
        "coordination/campagnes/<slug:slug>/modifier/",
        views.campaign_edit,
        name="panel_campaign_edit",
    ),
    path("coordination/campagnes/<slug:slug>/quotas/", views.quota_add, name="panel_quota_add"),
    path(
        "coordination/campagnes/<slug:slug>/quotas/<int:pk>/supprimer/",
        views.quota_delete,
        name="panel_quota_delete",
    ),
    path(
        "coordination/campagnes/<slug:slug>/candidatures/",
        views.candidates,
        name="panel_candidates",
    ),
    path("coordination/campagnes/<slug:slug>/figer/", views.freeze, name="panel_freeze"),
    path("coordination/campagnes/<slug:slug>/tirage/", views.draw_run, name="panel_draw_run"),
    path("coordination/campagnes/<slug:slug>/suivi/", views.followup, name="panel_followup"),
    path(
        "coordination/participations/<int:pk>/",
        views.participation_detail,
        name="panel_participation",
    ),
    path(
        "coordination/participations/<int:pk>/desistement/",
        views.participation_withdraw,
        name="panel_participation_withdraw",
    ),
    path(
        "coordination/participations/<int:pk>/remplacer/",
        views.participation_promote,
        name="panel_participation_promote",
    ),
    path(
        "coordination/participations/<int:pk>/valider/",
        views.participation_validate,
        name="panel_participation_validate",
    ),
    path(
        "coordination/participations/<int:pk>/notes/",
        views.participation_notes,
        name="panel_participation_notes",
    ),
    path(
        "coordination/participations/<int:pk>/commentaires/",
        views.comment_add,
        name="panel_comment_add",
    ),
    path("coordination/equipe/", views.staff, name="panel_staff"),
    path("coordination/equipe/inviter/", views.staff_invite, name="panel_staff_invite"),
    path(
        "coordination/equipe/roles/<int:pk>/retirer/",
        views.staff_role_revoke,
        name="panel_staff_role_revoke",
    ),
    path(
        "coordination/equipe/invitations/<int:pk>/annuler/",
        views.staff_invitation_cancel,
        name="panel_staff_invitation_cancel",
    ),
    path("equipe/invitation/<str:token>/", views.staff_accept, name="panel_staff_accept"),
]
