-- Backups and their verification runs. Enumerated columns mirror src/domain/enums.ts;
-- test/catalog-constraints.test.ts fails when the two disagree.

CREATE TABLE backups (
  id uuid PRIMARY KEY,
  source_host text NOT NULL,
  source_port integer NOT NULL CHECK (source_port BETWEEN 1 AND 65535),
  source_database text NOT NULL,
  source_user text NOT NULL,
  status text NOT NULL CHECK (status IN ('in_progress', 'completed', 'failed', 'verified')),
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  size_bytes bigint CHECK (size_bytes >= 0),
  sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key text,
  pg_dump_version text,
  server_version text,
  manifest jsonb,
  expected_table_count integer CHECK (expected_table_count >= 0),
  error text,
  verify_level text CHECK (verify_level IN ('full-restore', 'header-only') OR verify_level IS NULL),
  verified_at timestamptz,
  CONSTRAINT backups_done_has_artifact CHECK (
    status NOT IN ('completed', 'verified')
    OR (size_bytes IS NOT NULL AND sha256 IS NOT NULL AND storage_key IS NOT NULL
        AND manifest IS NOT NULL AND expected_table_count IS NOT NULL AND finished_at IS NOT NULL)),
  CONSTRAINT backups_verified_has_level CHECK (status <> 'verified' OR (verify_level IS NOT NULL AND verified_at IS NOT NULL)),
  CONSTRAINT backups_failed_has_reason CHECK (status <> 'failed' OR (error IS NOT NULL AND finished_at IS NOT NULL)),
  CONSTRAINT backups_in_progress_unfinished CHECK (status <> 'in_progress' OR finished_at IS NULL)
);

CREATE INDEX backups_newest_first ON backups (created_at DESC, id DESC);

-- The allowed status moves; the trigger below rejects any other.
CREATE TABLE backup_status_transitions (
  from_status text NOT NULL,
  to_status text NOT NULL,
  PRIMARY KEY (from_status, to_status)
);

INSERT INTO backup_status_transitions (from_status, to_status) VALUES
  ('in_progress', 'completed'),
  ('in_progress', 'failed'),
  ('completed', 'verified'),
  ('completed', 'failed'),
  ('verified', 'verified'),
  ('verified', 'failed');

CREATE FUNCTION backups_guard_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
    SELECT 1 FROM backup_status_transitions WHERE from_status = OLD.status AND to_status = NEW.status
  ) THEN
    RAISE EXCEPTION 'backup % cannot move from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER backups_guard_transition BEFORE UPDATE OF status ON backups
  FOR EACH ROW EXECUTE FUNCTION backups_guard_transition();

CREATE TABLE verifications (
  id uuid PRIMARY KEY,
  backup_id uuid NOT NULL REFERENCES backups (id) ON DELETE CASCADE,
  level text NOT NULL CHECK (level IN ('full-restore', 'header-only')),
  status text NOT NULL CHECK (status IN ('running', 'passed', 'failed', 'error')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  restore_ms integer CHECK (restore_ms >= 0),
  tables_expected integer,
  tables_restored integer,
  rows_expected bigint,
  rows_restored bigint,
  mismatches jsonb NOT NULL DEFAULT '[]',
  evidence jsonb,
  message text,
  triggered_by text NOT NULL,
  CONSTRAINT verifications_finished_when_done CHECK ((status = 'running') = (finished_at IS NULL))
);

CREATE INDEX verifications_by_backup ON verifications (backup_id, started_at DESC);
