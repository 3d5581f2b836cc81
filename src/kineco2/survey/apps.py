from django.apps import AppConfig


class SurveyConfig(AppConfig):
    name = "kineco2.survey"
    label = "survey"
    verbose_name = "Enquête mobilité patients"
