from django.contrib import admin
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path

from kineco2.methodology.urls import practitioner_urlpatterns
from kineco2.outreach import urls as outreach_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("compte/", include("kineco2.accounts.urls")),
    path("cabinets/", include(practitioner_urlpatterns)),
    path("cabinets/", include("kineco2.practices.urls")),
    path("api/", include("kineco2.api.urls")),
    path("ecosoins/", include("kineco2.ecosoins.urls")),
    path("panel/", include("kineco2.panel.urls")),
    path("etat-des-lieux/", include("kineco2.benchmarks.urls")),
    path("lettre/", include(outreach_urls.newsletter)),
    path("actualites/", include(outreach_urls.news)),
    path("webconferences/", include(outreach_urls.webinars)),
    path("accompagnement/", include(outreach_urls.support)),
    path("structures/", include("kineco2.structures.urls")),
    path("exercice-coordonne/", include("kineco2.structures.guide_urls")),
    path("enquetes/", include("kineco2.survey.urls")),
    path("e/", include("kineco2.survey.patient_urls")),
    path("methodologie/", include("kineco2.methodology.urls")),
    path("", include("kineco2.web.urls")),
]
# Static files in development (DEBUG, `make run` under gunicorn); none otherwise: in production
# the reverse proxy serves them (docs/deployment.md).
urlpatterns += staticfiles_urlpatterns()
