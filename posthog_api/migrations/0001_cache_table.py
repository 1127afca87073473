from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    """Django's database cache (throttle counters) lives in the same PostgreSQL."""

    dependencies = []
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
