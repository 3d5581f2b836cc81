"""Invitation tokens stored hashed (SHA-256) and expiring (issue 9).

Links already sent keep working until their expiry: the stored token becomes its hash, the
link's token is hashed at each visit. Pending invitations expire 14 days after creation.
"""

import hashlib

from django.db import migrations, models

import kineco2.practices.models


def hash_existing(apps, schema_editor):
    Invitation = apps.get_model("practices", "Invitation")
    for invitation in Invitation.objects.all().iterator():
        invitation.token_hash = hashlib.sha256(invitation.token_hash.encode("utf-8")).hexdigest()
        invitation.expires_at = invitation.created_at + kineco2.practices.models.INVITATION_VALIDITY
        invitation.save(update_fields=["token_hash", "expires_at"])


class Migration(migrations.Migration):
    dependencies = [("practices", "0002_unambiguous_assessment_communes")]

    operations = [
        migrations.RenameField("invitation", "token", "token_hash"),
        migrations.AlterField(
            model_name="invitation",
            name="token_hash",
            field=models.CharField(max_length=64, unique=True, verbose_name="empreinte du jeton"),
        ),
        migrations.AddField(
            model_name="invitation",
            name="expires_at",
            field=models.DateTimeField(
                default=kineco2.practices.models._invitation_expiry, verbose_name="expire le"
            ),
        ),
        migrations.RunPython(hash_existing, migrations.RunPython.noop),
    ]
