import { randomUUID } from "node:crypto";
import { Verification, type Evidence } from "../domain/backup.ts";
import type { VerificationStatus, VerifyLevel } from "../domain/enums.ts";
import { NotFound } from "../domain/errors.ts";
import type { Queryable } from "./catalog.ts";

interface VerificationRow {
  id: string;
  backup_id: string;
  level: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  triggered_by: string;
  message: string | null;
  evidence: unknown;
  progress_bytes: number | null;
}

function toVerification(row: VerificationRow): Verification {
  return Verification.parse({
    id: row.id,
    backupId: row.backup_id,
    level: row.level,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    triggeredBy: row.triggered_by,
    message: row.message,
    evidence: row.evidence,
    progressBytes: row.progress_bytes,
  });
}

export async function startVerification(
  db: Queryable,
  input: { backupId: string; level: VerifyLevel; triggeredBy: string },
): Promise<Verification> {
  const { rows } = await db.query<VerificationRow>(
    `INSERT INTO verifications (id, backup_id, level, status, triggered_by) VALUES ($1, $2, $3, 'running', $4) RETURNING *`,
    [randomUUID(), input.backupId, input.level, input.triggeredBy],
  );
  return toVerification(rows[0]!);
}

export async function finishVerification(
  db: Queryable,
  id: string,
  outcome: { status: Exclude<VerificationStatus, "running">; message: string; evidence: Evidence | null },
): Promise<Verification> {
  const e = outcome.evidence;
  const { rows } = await db.query<VerificationRow>(
    `UPDATE verifications SET status = $2, message = $3, evidence = $4, finished_at = now(),
       restore_ms = $5, tables_expected = $6, tables_restored = $7, rows_expected = $8, rows_restored = $9, mismatches = $10
     WHERE id = $1 AND status = 'running' RETURNING *`,
    [
      id,
      outcome.status,
      outcome.message,
      e ? JSON.stringify(e) : null,
      e?.restoreMs ?? null,
      e?.tablesExpected ?? null,
      e?.tablesRestored ?? null,
      e?.rowsExpected ?? null,
      e?.rowsRestored ?? null,
      JSON.stringify(e?.mismatches ?? []),
    ],
  );
  return toVerification(rows[0]!);
}

export async function listVerifications(db: Queryable, backupId: string): Promise<Verification[]> {
  const { rows } = await db.query<VerificationRow>(
    "SELECT * FROM verifications WHERE backup_id = $1 ORDER BY started_at DESC, id DESC",
    [backupId],
  );
  return rows.map(toVerification);
}

export async function getVerification(db: Queryable, id: string): Promise<Verification> {
  const { rows } = await db.query<VerificationRow>("SELECT * FROM verifications WHERE id = $1", [id]);
  if (!rows[0]) throw new NotFound(`verification ${id} not found`);
  return toVerification(rows[0]);
}

/** Records which process is running a verification, so a lost process's run can be closed. */
export async function claimVerification(db: Queryable, id: string, workerId: string): Promise<void> {
  await db.query("UPDATE verifications SET worker_id = $2 WHERE id = $1 AND status = 'running'", [id, workerId]);
}

/** The newest verification run of each of `backupIds`. */
export async function latestVerifications(db: Queryable, backupIds: readonly string[]): Promise<Map<string, Verification>> {
  if (!backupIds.length) return new Map();
  const { rows } = await db.query<VerificationRow>(
    "SELECT DISTINCT ON (backup_id) * FROM verifications WHERE backup_id = ANY($1::uuid[]) ORDER BY backup_id, started_at DESC, id DESC",
    [backupIds],
  );
  return new Map(rows.map((r) => [r.backup_id, toVerification(r)]));
}
