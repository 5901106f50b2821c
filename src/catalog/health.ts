import type { Queryable } from "./catalog.ts";

export interface SourceActivity {
  sourceId: string;
  lastBackupAt: Date | null;
  lastSuccessAt: Date | null;
  lastVerifiedAt: Date | null;
  lastRestoreMs: number | null;
  lastBackupSeconds: number | null;
  lastBackupBytes: number | null;
}

/** Per source: newest backup, newest successful and verified one, and the newest full-restore time. */
export async function sourceActivity(db: Queryable): Promise<Map<string, SourceActivity>> {
  const { rows } = await db.query<{
    source_id: string;
    last_backup_at: Date | null;
    last_success_at: Date | null;
    last_verified_at: Date | null;
    last_restore_ms: number | null;
    last_backup_seconds: number | null;
    last_backup_bytes: number | null;
  }>(
    `SELECT s.id AS source_id,
            (SELECT max(created_at) FROM backups b WHERE b.source_id = s.id AND b.purging_at IS NULL) AS last_backup_at,
            (SELECT max(created_at) FROM backups b WHERE b.source_id = s.id AND b.status IN ('completed', 'verified') AND b.purging_at IS NULL) AS last_success_at,
            (SELECT max(created_at) FROM backups b WHERE b.source_id = s.id AND b.status = 'verified' AND b.purging_at IS NULL) AS last_verified_at,
            (SELECT v.restore_ms FROM verifications v JOIN backups b ON b.id = v.backup_id
              WHERE b.source_id = s.id AND v.level = 'full-restore' AND v.status = 'passed' ORDER BY v.finished_at DESC LIMIT 1) AS last_restore_ms,
            (SELECT extract(epoch FROM b.finished_at - b.created_at)::float8 FROM backups b
              WHERE b.source_id = s.id AND b.status IN ('completed', 'verified') ORDER BY b.created_at DESC LIMIT 1) AS last_backup_seconds,
            (SELECT b.size_bytes FROM backups b
              WHERE b.source_id = s.id AND b.status IN ('completed', 'verified') ORDER BY b.created_at DESC LIMIT 1) AS last_backup_bytes
       FROM sources s`,
  );
  return new Map(
    rows.map((r) => [
      r.source_id,
      {
        sourceId: r.source_id,
        lastBackupAt: r.last_backup_at,
        lastSuccessAt: r.last_success_at,
        lastVerifiedAt: r.last_verified_at,
        lastRestoreMs: r.last_restore_ms,
        lastBackupSeconds: r.last_backup_seconds,
        lastBackupBytes: r.last_backup_bytes,
      },
    ]),
  );
}
