from django.apps import AppConfig


class EcosoinsConfig(AppConfig):
    name = "kineco2.ecosoins"
    verbose_name = "Écosoins et plans d'action"
