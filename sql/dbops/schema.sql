-- dbops' own schema, created by dbops itself (idempotent; run under an advisory lock).
-- It holds the migration history `dbops migrate` keeps and the heartbeat `dbops heartbeat`
-- writes. A restore test reads both: the history must match the source's, and the newest
-- heartbeat in the restored database measures the real data-loss window (RPO).
-- Evolve it only by adding (… ADD COLUMN IF NOT EXISTS), never by editing what exists.

CREATE SCHEMA IF NOT EXISTS dbops;
COMMENT ON SCHEMA dbops IS 'dbops bookkeeping: migration history and heartbeat (managed by dbops)';

CREATE TABLE IF NOT EXISTS dbops.schema_migrations (
  version     bigint      PRIMARY KEY,
  name        text        NOT NULL,
  checksum    text        CHECK (checksum ~ '^[0-9a-f]{64}$'),
  applied_at  timestamptz NOT NULL DEFAULT now(),
  duration_ms integer     NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
  applied_by  text        NOT NULL DEFAULT current_user,
  kind        text        NOT NULL DEFAULT 'up' CHECK (kind IN ('up', 'baseline'))
);
COMMENT ON TABLE dbops.schema_migrations IS 'One row per applied migration file (dbops migrate); checksum = sha256 of the file bytes';
COMMENT ON COLUMN dbops.schema_migrations.applied_by IS 'current_user@hostname of the dbops run';
COMMENT ON COLUMN dbops.schema_migrations.kind IS 'up: applied by dbops; baseline: marked as applied by dbops migrate baseline, never run';

CREATE TABLE IF NOT EXISTS dbops.heartbeat (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  beat_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  written_by text        NOT NULL DEFAULT current_user
);
CREATE INDEX IF NOT EXISTS heartbeat_beat_at_idx ON dbops.heartbeat (beat_at DESC);
COMMENT ON TABLE dbops.heartbeat IS 'One row per dbops heartbeat (cron every few minutes); the newest row of a restored copy bounds its data loss';
