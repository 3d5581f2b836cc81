"""Copy the practice's region and mode of practice into each figures row (no join to read a
population); rows written before are filled from their practice."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    figures = apps.get_model("benchmarks", "AssessmentFigures")
    practice = apps.get_model("practices", "Practice")
    of_practice = practice.objects.filter(pk=OuterRef("practice_id"))
    figures.objects.update(
        region_code=Subquery(of_practice.values("region_code")[:1]),
        practice_mode=Subquery(of_practice.values("practice_mode")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("benchmarks", "0002_data_generation"),
        ("practices", "0004_assessment_seen_steps"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessmentfigures",
            name="region_code",
            field=models.CharField(
                blank=True, db_default="", max_length=3, verbose_name="code région"
            ),
        ),
        migrations.AddField(
            model_name="assessmentfigures",
            name="practice_mode",
            field=models.CharField(
                blank=True, db_default="", max_length=20, verbose_name="mode d'exercice"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
