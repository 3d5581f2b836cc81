from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "kineco2.jobs"
    verbose_name = "Tâches de fond"
