import { randomUUID } from "node:crypto";
import { Backup, type SourceIdentity } from "../domain/backup.ts";
import { BACKUP_STATUSES, BACKUP_TRANSITIONS, type BackupStatus, type BackupTrigger } from "../domain/enums.ts";
import { BackupInvalidState, BackupNotFound } from "../domain/errors.ts";
import { Manifest } from "../domain/manifest.ts";
import type { Queryable } from "./catalog.ts";

interface BackupRow {
  id: string;
  source_host: string;
  source_port: number;
  source_database: string;
  source_user: string;
  status: string;
  created_at: Date;
  finished_at: Date | null;
  size_bytes: number | null;
  sha256: string | null;
  storage_key: string | null;
  pg_dump_version: string | null;
  server_version: string | null;
  manifest: unknown;
  expected_table_count: number | null;
  error: string | null;
  verify_level: string | null;
  verified_at: Date | null;
  source_id: string | null;
  trigger: string;
  storage_location: string | null;
  encryption_key_id: string | null;
  progress_bytes: number | null;
}

function toBackup(row: BackupRow): Backup {
  return Backup.parse({
    id: row.id,
    sourceId: row.source_id,
    trigger: row.trigger,
    source: { host: row.source_host, port: row.source_port, database: row.source_database, user: row.source_user },
    status: row.status,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    storageKey: row.storage_key,
    storageLocation: row.storage_location,
    encryptionKeyId: row.encryption_key_id,
    pgDumpVersion: row.pg_dump_version,
    serverVersion: row.server_version,
    manifest: row.manifest === null ? null : Manifest.parse(row.manifest),
    expectedTableCount: row.expected_table_count,
    error: row.error,
    verifyLevel: row.verify_level,
    verifiedAt: row.verified_at,
    progressBytes: row.progress_bytes,
  });
}

/** Statuses from which `to` may be reached, per the domain's transition table. */
function statusesLeadingTo(to: BackupStatus): BackupStatus[] {
  return BACKUP_STATUSES.filter((from) => (BACKUP_TRANSITIONS[from] as readonly BackupStatus[]).includes(to));
}

export async function insertBackup(
  db: Queryable,
  input: { source: SourceIdentity; sourceId?: string; trigger?: BackupTrigger; workerId?: string },
): Promise<Backup> {
  const { rows } = await db.query<BackupRow>(
    `INSERT INTO backups (id, source_host, source_port, source_database, source_user, status, source_id, trigger, worker_id)
     VALUES ($1, $2, $3, $4, $5, 'in_progress', $6, $7, $8) RETURNING *`,
    [randomUUID(), input.source.host, input.source.port, input.source.database, input.source.user, input.sourceId ?? null, input.trigger ?? "manual", input.workerId ?? null],
  );
  return toBackup(rows[0]!);
}

/** A backup being purged by retention is already gone for every caller. */
export async function getBackup(db: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<Backup> {
  const { rows } = await db.query<BackupRow>(`SELECT * FROM backups WHERE id = $1 AND purging_at IS NULL${options.forUpdate ? " FOR UPDATE" : ""}`, [id]);
  if (!rows[0]) throw new BackupNotFound(id);
  return toBackup(rows[0]);
}

export async function listBackups(db: Queryable, options: { limit?: number; status?: BackupStatus } = {}): Promise<Backup[]> {
  const { rows } = await db.query<BackupRow>(
    `SELECT * FROM backups WHERE ($1::text IS NULL OR status = $1) AND purging_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $2`,
    [options.status ?? null, options.limit ?? 100],
  );
  return rows.map(toBackup);
}

/** Moves a backup to `to` with the given column values, only from a status allowed to reach it. `to` is never in_progress. */
async function transition(db: Queryable, id: string, to: BackupStatus, set: Record<string, unknown>): Promise<Backup> {
  const columns = Object.keys(set);
  const assignments = columns.map((column, i) => `${column} = $${i + 4}`);
  const { rows } = await db.query<BackupRow>(
    `UPDATE backups SET status = $2, finished_at = coalesce(finished_at, now())${assignments.length ? ", " + assignments.join(", ") : ""}
     WHERE id = $1 AND status = ANY($3::text[]) RETURNING *`,
    [id, to, statusesLeadingTo(to), ...columns.map((c) => set[c])],
  );
  if (rows[0]) return toBackup(rows[0]);
  const current = await getBackup(db, id);
  throw new BackupInvalidState(`backup ${id} is ${current.status} and cannot become ${to}`);
}

export function completeBackup(
  db: Queryable,
  id: string,
  artifact: { sizeBytes: number; sha256: string; storageKey: string; manifest: Manifest; pgDumpVersion: string; serverVersion: string },
): Promise<Backup> {
  return transition(db, id, "completed", {
    pg_dump_version: artifact.pgDumpVersion,
    server_version: artifact.serverVersion,
    size_bytes: artifact.sizeBytes,
    sha256: artifact.sha256,
    storage_key: artifact.storageKey,
    manifest: JSON.stringify(artifact.manifest),
    expected_table_count: artifact.manifest.tables.length,
    error: null,
  });
}

export function failBackup(db: Queryable, id: string, reason: string, fields: Record<string, unknown> = {}): Promise<Backup> {
  return transition(db, id, "failed", { error: reason, ...fields });
}

/** A newly verified backup also ends its source's overdue episode, so the next one alerts again. */
export async function markVerified(db: Queryable, id: string, fields: { verify_level: string; verified_at: Date }): Promise<Backup> {
  const backup = await transition(db, id, "verified", fields);
  if (backup.sourceId) await db.query("UPDATE sources SET overdue_notified_at = NULL WHERE id = $1", [backup.sourceId]);
  return backup;
}

/** A page of backups, newest first, after `cursor` (created_at and id of the last row seen). */
export async function listBackupsPage(
  db: Queryable,
  options: { sourceId?: string; status?: BackupStatus; limit: number; after?: { createdAt: Date; id: string } },
): Promise<{ items: Backup[]; next: { createdAt: Date; id: string } | null }> {
  const { rows } = await db.query<BackupRow>(
    `SELECT * FROM backups
      WHERE ($1::uuid IS NULL OR source_id = $1) AND ($2::text IS NULL OR status = $2) AND purging_at IS NULL
        AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
      ORDER BY created_at DESC, id DESC LIMIT $5`,
    [options.sourceId ?? null, options.status ?? null, options.after?.createdAt ?? null, options.after?.id ?? null, options.limit + 1],
  );
  const items = rows.slice(0, options.limit).map(toBackup);
  const last = items.at(-1);
  return { items, next: rows.length > options.limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}

export async function countBackupsOfSource(db: Queryable, sourceId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM backups WHERE source_id = $1", [sourceId]);
  return rows[0]!.n;
}

/** Removes the row (and its verifications); the caller removes the artifact afterwards. */
export async function deleteBackupRow(db: Queryable, id: string): Promise<Backup> {
  const backup = await getBackup(db, id, { forUpdate: true });
  if (backup.status === "in_progress") throw new BackupInvalidState(`backup ${id} is still in progress`);
  await db.query("DELETE FROM backups WHERE id = $1", [id]);
  return backup;
}

/** Records the start of one attempt at a backup; returns its number. */
export async function startAttempt(
  db: Queryable,
  backupId: string,
  workerId: string | undefined,
  artifact: { key: string; location: string; encryptionKeyId: string | null },
): Promise<number> {
  const { rows } = await db.query<{ attempt: number }>(
    `INSERT INTO backup_attempts (backup_id, attempt, worker_id)
     SELECT $1, coalesce(max(attempt), 0) + 1, $2 FROM backup_attempts WHERE backup_id = $1 RETURNING attempt`,
    [backupId, workerId ?? null],
  );
  // The key is known before the first byte, so whoever finds this backup abandoned can clean up its partial artifact.
  await db.query("UPDATE backups SET worker_id = $2, storage_key = $3, storage_location = $4, encryption_key_id = $5 WHERE id = $1", [
    backupId,
    workerId ?? null,
    artifact.key,
    artifact.location,
    artifact.encryptionKeyId,
  ]);
  return rows[0]!.attempt;
}

export async function finishAttempt(db: Queryable, backupId: string, attempt: number, error: string | null): Promise<void> {
  await db.query("UPDATE backup_attempts SET finished_at = now(), error = $3 WHERE backup_id = $1 AND attempt = $2", [backupId, attempt, error]);
}
