from django.apps import AppConfig


class MethodologyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kineco2.methodology"
    verbose_name = "Méthodologie (versions, effet sur le panel)"
