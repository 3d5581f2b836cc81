"""Load and validate every reference data file (factors, defaults, geography).

Run by ``make run`` after the migrations: a broken data file stops the start-up with a
message naming the faulty row, instead of failing later on a user's page.
"""

from django.core.management.base import BaseCommand, CommandError

from kineco2.engine import geography
from kineco2.engine.defaults import available_versions as default_versions
from kineco2.engine.defaults import load_defaults
from kineco2.engine.errors import ReferenceDataError
from kineco2.engine.factors import available_versions as factor_versions
from kineco2.engine.factors import load_factors


class Command(BaseCommand):
    help = "Charge et valide les données de référence (facteurs, valeurs par défaut, communes)."

    def handle(self, *args, **options):
        try:
            for version in factor_versions():
                factors = load_factors(version)
                self.stdout.write(f"Facteurs {version} : {len(factors)} facteurs valides.")
            for version in default_versions():
                defaults = load_defaults(version)
                load_factors(defaults.factors_version)
                self.stdout.write(
                    f"Valeurs par défaut {version} : {len(defaults.defaults)} valeurs valides."
                )
            communes = geography.all_communes()
            self.stdout.write(f"Communes : {len(communes)} chargées.")
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        for hook in self._extra_loaders():
            hook(self.stdout)

    def _extra_loaders(self):
        """Loaders of other apps' reference data (catalogue, panel defaults), if installed."""
        from django.apps import apps

        loaders = []
        for config in apps.get_app_configs():
            loader = getattr(config, "load_reference_data", None)
            if loader is not None:
                loaders.append(loader)
        return loaders
