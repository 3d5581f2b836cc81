"""The « Modérateurs » group: moderate initiatives, edit the catalogue's texts in the admin.

Permissions are normally created after the migrations (post_migrate); they are created here
if missing, so the group is complete right after ``migrate``. To make someone a moderator: add
them to the group in the admin (and tick « statut équipe » for the admin pages).
"""

from django.db import migrations

GROUP = "Modérateurs"
PERMISSIONS = {
    "initiative": [
        ("moderate_initiative", "Peut publier ou refuser les initiatives"),
        ("view_initiative", "Can view initiative de professionnels"),
        ("change_initiative", "Can change initiative de professionnels"),
    ],
    "catalogueaction": [
        ("view_catalogueaction", "Can view action du catalogue"),
        ("change_catalogueaction", "Can change action du catalogue"),
    ],
}


def create_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for model, permissions in PERMISSIONS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label="ecosoins", model=model)
        for codename, name in permissions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ecosoins", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
