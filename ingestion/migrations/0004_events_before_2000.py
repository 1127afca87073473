from django.db import migrations

# Monthly partitions start in 2000; anything older lands in one partition, so that no client can make thousands of
# partitions by sending ancient timestamps.
FORWARD = """
CREATE TABLE IF NOT EXISTS ingestion_event_before_2000 PARTITION OF ingestion_event
    FOR VALUES FROM (MINVALUE) TO ('2000-01-01 00:00:00+00');

CREATE OR REPLACE FUNCTION ingestion_ensure_event_partition(ts timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    month_start timestamp := date_trunc('month', ts AT TIME ZONE 'UTC');
    partition_name text := 'ingestion_event_p' || to_char(month_start, 'YYYYMM');
BEGIN
    IF month_start < timestamp '2000-01-01' THEN
        RETURN 'ingestion_event_before_2000';
    END IF;
    IF to_regclass(partition_name) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('ingestion_event_partitions'));
        IF to_regclass(partition_name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF ingestion_event FOR VALUES FROM (%L) TO (%L)',
                partition_name,
                month_start AT TIME ZONE 'UTC',
                (month_start + interval '1 month') AT TIME ZONE 'UTC'
            );
        END IF;
    END IF;
    RETURN partition_name;
END
$$;
"""

BACKWARD = "DROP TABLE IF EXISTS ingestion_event_before_2000;"


class Migration(migrations.Migration):
    dependencies = [("ingestion", "0003_queue_chunks_and_warnings")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
