"""The patient's side of the survey, mounted at ``/e/`` (the short link)."""

from django.urls import path

from kineco2.survey import views

urlpatterns = [
    path("<str:token>/", views.patient_answer, name="survey_patient"),
    path("<str:token>/merci/", views.patient_thanks, name="survey_patient_thanks"),
    path("<str:token>/communes/", views.patient_communes, name="survey_patient_communes"),
]
