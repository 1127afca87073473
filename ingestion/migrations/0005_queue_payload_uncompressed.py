from django.db import migrations

# Queue rows live for seconds: compressing their payload (pglz, ~7x on event JSON) cost capture more PostgreSQL time
# than writing the bytes uncompressed (out of line, as before).


class Migration(migrations.Migration):
    dependencies = [("ingestion", "0004_events_before_2000")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE ingestion_queue ALTER COLUMN payload SET STORAGE EXTERNAL",
            "ALTER TABLE ingestion_queue ALTER COLUMN payload SET STORAGE EXTENDED",
        )
    ]
