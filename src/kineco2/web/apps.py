from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kineco2.web"
    verbose_name = "Pages publiques et méthodologie"

    def ready(self) -> None:
        from kineco2.web.pickling import register

        register()  # cached engine results pickle faster (web/pickling.py)
