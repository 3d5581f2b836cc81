from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "kineco2.practices"
    verbose_name = "Cabinets et bilans"
