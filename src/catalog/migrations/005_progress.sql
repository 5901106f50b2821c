-- Bytes done so far by running work, for live progress in the console.
ALTER TABLE backups ADD COLUMN progress_bytes bigint CHECK (progress_bytes >= 0);
ALTER TABLE verifications ADD COLUMN progress_bytes bigint CHECK (progress_bytes >= 0);
