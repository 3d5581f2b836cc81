from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "kineco2.benchmarks"
    verbose_name = "Résultats anonymisés et comparaisons"

    def ready(self) -> None:
        from kineco2.benchmarks import freshness

        freshness.connect()
