from django.db import migrations

CREATE_EVENTS = """
CREATE TABLE ingestion_event (
    uuid uuid NOT NULL,
    team_id bigint NOT NULL,
    event varchar(400) NOT NULL,
    distinct_id varchar(400) NOT NULL,
    properties jsonb NOT NULL DEFAULT '{}'::jsonb,
    "timestamp" timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    person_id uuid NULL
) PARTITION BY RANGE ("timestamp");
CREATE INDEX ingestion_event_team_timestamp_idx ON ingestion_event (team_id, "timestamp");
CREATE INDEX ingestion_event_team_distinct_id_idx ON ingestion_event (team_id, distinct_id);

-- One partition per calendar month (UTC), named ingestion_event_pYYYYMM; idempotent and safe to race.
CREATE OR REPLACE FUNCTION ingestion_ensure_event_partition(ts timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    month_start timestamp := date_trunc('month', ts AT TIME ZONE 'UTC');
    partition_name text := 'ingestion_event_p' || to_char(month_start, 'YYYYMM');
BEGIN
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

-- The last 12 months and the next 3 exist from the start; the worker creates any other month on demand.
SELECT ingestion_ensure_event_partition(m)
FROM generate_series(
    date_trunc('month', now()) - interval '12 months', date_trunc('month', now()) + interval '3 months', '1 month'
) AS m;
"""

DROP_EVENTS = """
DROP TABLE IF EXISTS ingestion_event;
DROP FUNCTION IF EXISTS ingestion_ensure_event_partition(timestamptz);
"""


class Migration(migrations.Migration):
    dependencies = [("ingestion", "0001_initial")]

    operations = [migrations.RunSQL(CREATE_EVENTS, DROP_EVENTS)]
