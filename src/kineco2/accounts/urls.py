"""Account URLs, mounted at ``/compte/``. Paths are in French, names in English."""

from django.urls import path

from kineco2.accounts import views

urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("inscription/", views.signup, name="signup"),
    path("inscription/bienvenue/", views.signup_done, name="signup_done"),
    path("confirmation/renvoyer/", views.email_confirm_resend, name="email_confirm_resend"),
    path("confirmation/<str:token>/", views.email_confirm, name="email_confirm"),
    path("mot-de-passe/oublie/", views.password_reset, name="password_reset"),
    path("mot-de-passe/oublie/envoye/", views.password_reset_done, name="password_reset_done"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        views.password_reset_complete,
        name="password_reset_complete",
    ),
    path("mot-de-passe/modifier/", views.password_change, name="password_change"),
    path("", views.account, name="account"),
    path("export/", views.account_export, name="account_export"),
    path("supprimer/", views.account_delete, name="account_delete"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("jetons-api/", views.api_tokens, name="api_tokens"),
    path("jetons-api/<int:token_id>/revoquer/", views.api_token_revoke, name="api_token_revoke"),
]
