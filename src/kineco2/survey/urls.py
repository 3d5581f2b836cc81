"""The practice's side of the survey, mounted at ``/enquetes/``."""

from django.urls import path

from kineco2.survey import views

urlpatterns = [
    path("unions/", views.survey_unions, name="survey_unions"),
    path("cabinet/<int:pk>/", views.survey_home, name="survey_home"),
    path("<int:pk>/", views.survey_detail, name="survey_detail"),
    path("<int:pk>/affiche.pdf", views.survey_poster, name="survey_poster"),
    path("<int:pk>/cloturer/", views.survey_close, name="survey_close"),
    path("<int:pk>/rouvrir/", views.survey_reopen, name="survey_reopen"),
    path("<int:pk>/reporter/", views.survey_apply, name="survey_apply"),
    path("<int:pk>/retirer/", views.survey_unapply, name="survey_unapply"),
    path("reponses/<int:pk>/", views.answer_edit, name="survey_answer_edit"),
]
