"""Mounted at ``/api/``: the endpoints, ``/api/docs`` (OpenAPI UI), ``/api/openapi.json``."""

from django.urls import path

from kineco2.api.api import api

urlpatterns = [path("", api.urls)]
