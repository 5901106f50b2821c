-- Which storage holds each artifact, and which key encrypts it, so switching drivers or rotating
-- keys never strands old backups.
ALTER TABLE backups
  ADD COLUMN storage_location text,
  ADD COLUMN encryption_key_id text;
