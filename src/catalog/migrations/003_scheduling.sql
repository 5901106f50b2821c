-- Scheduling, workers with heartbeats, retention and alerts.

ALTER TABLE sources
  ADD COLUMN schedule_since timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN rto_seconds integer CHECK (rto_seconds > 0),
  ADD COLUMN gfs_daily integer CHECK (gfs_daily >= 0),
  ADD COLUMN gfs_weekly integer CHECK (gfs_weekly >= 0),
  ADD COLUMN gfs_monthly integer CHECK (gfs_monthly >= 0),
  ADD COLUMN overdue_notified_at timestamptz;

-- One scheduled backup per source and cadence window, whoever claims it first.
CREATE TABLE scheduled_runs (
  source_id uuid NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  window_start timestamptz NOT NULL,
  backup_id uuid REFERENCES backups (id) ON DELETE SET NULL,
  claimed_by text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_id, window_start)
);

-- Every process doing engine work keeps a heartbeat; an expired one has lost its work.
CREATE TABLE workers (
  id text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE backups
  ADD COLUMN worker_id text,
  ADD COLUMN trigger text NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual', 'schedule', 'safety')),
  -- Set when retention starts removing the backup: it leaves listings and restore choices first.
  ADD COLUMN purging_at timestamptz;
CREATE INDEX backups_in_progress_by_worker ON backups (worker_id) WHERE status = 'in_progress';

ALTER TABLE verifications ADD COLUMN worker_id text;
ALTER TABLE restores ADD COLUMN worker_id text;

CREATE TABLE backup_attempts (
  backup_id uuid NOT NULL REFERENCES backups (id) ON DELETE CASCADE,
  attempt integer NOT NULL CHECK (attempt >= 1),
  worker_id text,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error text,
  PRIMARY KEY (backup_id, attempt)
);
