from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kineco2.accounts"
    verbose_name = "Comptes"
