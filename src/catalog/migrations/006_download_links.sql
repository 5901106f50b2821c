-- Single-use, short-lived links that let a browser stream an artifact straight to disk.
CREATE TABLE download_links (
  id uuid PRIMARY KEY,
  backup_id uuid NOT NULL REFERENCES backups (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  caller_token_id uuid NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
