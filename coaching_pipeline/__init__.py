"""Sales-coaching analytics warehouse: ingestion, dbt marts, coaching and digests on Dagster."""
