"""The `Records officers` group (SPEC §1) and the first version of the terms of use."""
from django.db import migrations
from django.utils import timezone

TERMS_TEXT = """By using unisocial you agree to:

1. Use it for official purposes, in line with ST/SGB/2004/15 on the use of ICT resources and data.
2. Classify every item you post at the right level (ST/SGB/2007/6) and never post information above a community's ceiling.
3. Share only with the audience an item is meant for; check the audience line before publishing.
4. Respect the community guidelines and the Standards of Conduct; report misuse with the "report" action.
5. Remember that what you write is an official record (ST/SGB/2007/5): it is kept, archived or destroyed under the retention schedules, and deleting withdraws it from view but does not destroy it.
6. Accept that your use may be monitored for security and compliance, as the bulletins allow.
"""


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="Records officers")
    TermsVersion = apps.get_model("unisocial", "TermsVersion")
    TermsVersion.objects.get_or_create(
        version="1.0",
        defaults={"title": "Terms of use of unisocial", "text": TERMS_TEXT, "published_at": timezone.now()},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("unisocial", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
