"""An account may have no email (NULL): the e-ID accounts that were given a placeholder
`eid-…@eid.invalid` (and closed accounts' `closed-…@closed.invalid`) now have none."""

import uuid

from django.db import migrations, models

PLACEHOLDER_DOMAINS = ("@eid.invalid", "@closed.invalid")


def placeholders_to_null(apps, schema_editor):
    User = apps.get_model("identity", "User")
    for domain in PLACEHOLDER_DOMAINS:
        User.objects.filter(email__iendswith=domain).update(email=None)


def null_to_placeholders(apps, schema_editor):
    # Going back to a required email: an account without one gets the old placeholder again.
    User = apps.get_model("identity", "User")
    for pk, is_active in User.objects.filter(email__isnull=True).values_list("pk", "is_active"):
        email = (
            f"eid-{uuid.uuid4().hex[:16]}@eid.invalid"
            if is_active
            else f"closed-{pk}-{uuid.uuid4().hex[:8]}@closed.invalid"
        )
        User.objects.filter(pk=pk).update(email=email)


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0008_personal_document_signed_origin"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="email",
            field=models.EmailField(blank=True, max_length=254, null=True, unique=True, verbose_name="email address"),
        ),
        migrations.RunPython(placeholders_to_null, null_to_placeholders, elidable=False),
    ]
