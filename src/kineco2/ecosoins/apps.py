from django.apps import AppConfig


class EcosoinsConfig(AppConfig):
    name = "kineco2.ecosoins"
    verbose_name = "Écosoins et plans d'action"

    def load_reference_data(self, stdout) -> None:
        """Called by ``setup_reference`` (``make run``): sync the catalogue from the data file."""
        from django.db.utils import OperationalError, ProgrammingError

        from kineco2.ecosoins.services import sync_catalogue

        try:
            report = sync_catalogue()
        except (OperationalError, ProgrammingError):  # tables not migrated yet
            stdout.write("Catalogue d'écosoins : base non migrée, synchronisation ignorée.")
            return
        stdout.write(report.summary())
