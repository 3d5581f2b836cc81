"""Assessments whose profile commune became ambiguous get their practice's unambiguous code.

Until the patient zone came from INSEE's zoning, a code that is both a commune's INSEE code
and another's postal code was read as the postal code (``69003`` → Lyon). The engine now
refuses such a code (``AmbiguousCommuneError``): a stored profile that says ``69003`` for a
practice in Lyon is rewritten with the code that designates the practice's commune alone
(``geography.designation``). A profile whose commune is not the practice's is left as typed:
the questionnaire shows the French message and the user chooses.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from kineco2.engine import geography

    Assessment = apps.get_model("practices", "Assessment")
    for assessment in Assessment.objects.select_related("practice").iterator():
        profile = (assessment.answers or {}).get("profile") or {}
        code = profile.get("commune")
        if not isinstance(code, str):
            continue
        try:
            geography.lookup(code)
            continue
        except geography.AmbiguousCommuneError as error:
            candidates = {c.code_insee: c for c in error.candidates}
        except geography.CommuneError:
            continue
        place = candidates.get(assessment.practice.commune_code)
        if place is None:
            continue
        profile["commune"] = geography.designation(place)
        assessment.save(update_fields=["answers"])


class Migration(migrations.Migration):
    dependencies = [("practices", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
