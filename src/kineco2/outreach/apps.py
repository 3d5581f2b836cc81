from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "kineco2.outreach"
    verbose_name = "Sensibilisation et accompagnement"
