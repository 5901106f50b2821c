-- The service: protected sources, API tokens, guarded restores, audit trail, defaults.
-- Enumerated columns mirror src/domain/enums.ts; test/catalog-constraints.test.ts checks them.

CREATE TABLE sources (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
  -- AES-256-GCM sealed connection URL; host, port, database and user are kept in clear for display.
  url_sealed bytea NOT NULL,
  host text NOT NULL,
  port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  database text NOT NULL,
  user_name text NOT NULL,
  schedule text,
  timezone text NOT NULL DEFAULT 'UTC',
  retention_days integer CHECK (retention_days > 0),
  keep_last integer CHECK (keep_last > 0),
  verify_level text NOT NULL DEFAULT 'full-restore' CHECK (verify_level IN ('full-restore', 'header-only')),
  paused boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE backups ADD COLUMN source_id uuid REFERENCES sources (id) ON DELETE RESTRICT;
CREATE INDEX backups_by_source ON backups (source_id, created_at DESC, id DESC);
CREATE INDEX backups_by_status ON backups (status, created_at DESC, id DESC);

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'viewer')),
  -- SHA-256 of the token; the token itself is shown once and never stored.
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

-- Step one of a restore: a single-use confirmation bound to backup, target and caller.
CREATE TABLE restore_requests (
  id uuid PRIMARY KEY,
  backup_id uuid NOT NULL REFERENCES backups (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  caller_token_id uuid NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
  target_sealed bytea NOT NULL,
  target_display text NOT NULL,
  creates_database boolean NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE restores (
  id uuid PRIMARY KEY,
  backup_id uuid NOT NULL REFERENCES backups (id) ON DELETE CASCADE,
  request_id uuid NOT NULL UNIQUE REFERENCES restore_requests (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
  target_display text NOT NULL,
  creates_database boolean NOT NULL,
  safety_backup_id uuid REFERENCES backups (id) ON DELETE SET NULL,
  requested_by text NOT NULL,
  message text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  CONSTRAINT restores_finished_when_done CHECK ((status IN ('succeeded', 'failed')) = (finished_at IS NOT NULL))
);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  target_type text,
  target_id text,
  outcome text NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
  request_id text,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_newest_first ON audit_log (at DESC, id DESC);

-- Defaults editable through the API; one row.
CREATE TABLE settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  default_verify_level text NOT NULL DEFAULT 'full-restore' CHECK (default_verify_level IN ('full-restore', 'header-only')),
  default_retention_days integer CHECK (default_retention_days > 0),
  default_keep_last integer CHECK (default_keep_last > 0),
  -- Folder under the storage root where new artifacts go; old ones stay where their key says.
  storage_prefix text NOT NULL DEFAULT '',
  scratch_url_sealed bytea,
  scratch_display text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO settings DEFAULT VALUES;
