from django.apps import AppConfig


class StructuresConfig(AppConfig):
    name = "kineco2.structures"
    verbose_name = "Exercice coordonné (MSP, CPTS, centres de santé)"
    default_auto_field = "django.db.models.BigAutoField"
