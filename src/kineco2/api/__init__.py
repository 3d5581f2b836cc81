"""The REST API (django-ninja), mounted at ``/api/``: see :mod:`kineco2.api.api`."""
