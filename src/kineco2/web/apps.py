from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kineco2.web"
    verbose_name = "Pages publiques et méthodologie"
