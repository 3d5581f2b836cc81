from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "kineco2.panel"
    verbose_name = "Campagnes de panel (URPS)"
