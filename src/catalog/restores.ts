import { randomUUID } from "node:crypto";
import type { RestoreStatus } from "../domain/enums.ts";
import { ConfirmationRejected, NotFound } from "../domain/errors.ts";
import { parseConnectionUrl, toConnectionString, type ConnectionTarget } from "../postgres/connection.ts";
import type { Sealer } from "../support/sealing.ts";
import type { Queryable } from "./catalog.ts";
import { hashToken, newTokenValue } from "./tokens.ts";

export const CONFIRMATION_TTL_MS = 5 * 60_000;

export interface Restore {
  id: string;
  backupId: string;
  status: RestoreStatus;
  target: string;
  createsDatabase: boolean;
  safetyBackupId: string | null;
  requestedBy: string;
  message: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

interface RestoreRow {
  id: string;
  backup_id: string;
  status: RestoreStatus;
  target_display: string;
  creates_database: boolean;
  safety_backup_id: string | null;
  requested_by: string;
  message: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

function toRestore(row: RestoreRow): Restore {
  return {
    id: row.id,
    backupId: row.backup_id,
    status: row.status,
    target: row.target_display,
    createsDatabase: row.creates_database,
    safetyBackupId: row.safety_backup_id,
    requestedBy: row.requested_by,
    message: row.message,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export function targetDisplay(target: ConnectionTarget): string {
  return `${target.user}@${target.host}:${target.port}/${target.database}`;
}

/** Step one: a single-use confirmation token bound to backup, target and caller. */
export async function createRestoreRequest(
  db: Queryable,
  sealer: Sealer,
  input: { backupId: string; callerTokenId: string; target: ConnectionTarget; createsDatabase: boolean; now?: Date },
): Promise<{ id: string; confirmationToken: string; expiresAt: Date }> {
  const id = randomUUID();
  const value = newTokenValue();
  const expiresAt = new Date((input.now ?? new Date()).getTime() + CONFIRMATION_TTL_MS);
  await db.query(
    `INSERT INTO restore_requests (id, backup_id, token_hash, caller_token_id, target_sealed, target_display, creates_database, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, input.backupId, hashToken(value), input.callerTokenId, sealer.seal(toConnectionString(input.target), id), targetDisplay(input.target), input.createsDatabase, expiresAt],
  );
  return { id, confirmationToken: value, expiresAt };
}

export interface ConsumedRequest {
  id: string;
  target: ConnectionTarget;
  targetDisplay: string;
  createsDatabase: boolean;
}

/**
 * Step two: checks and spends a confirmation token. Call inside the transaction that also records
 * the restore, so a rejected or failed confirmation spends nothing.
 */
export async function consumeRestoreRequest(
  tx: Queryable,
  sealer: Sealer,
  input: { confirmationToken: string; backupId: string; callerTokenId: string },
): Promise<ConsumedRequest> {
  const { rows } = await tx.query<{
    id: string;
    backup_id: string;
    caller_token_id: string;
    target_sealed: Buffer;
    target_display: string;
    creates_database: boolean;
    expired: boolean;
    used_at: Date | null;
  }>(
    `SELECT id, backup_id, caller_token_id, target_sealed, target_display, creates_database, expires_at <= now() AS expired, used_at
       FROM restore_requests WHERE token_hash = $1 FOR UPDATE`,
    [hashToken(input.confirmationToken)],
  );
  const request = rows[0];
  if (!request) throw new ConfirmationRejected("unknown confirmation token");
  if (request.backup_id !== input.backupId) throw new ConfirmationRejected("this confirmation token belongs to another backup");
  if (request.caller_token_id !== input.callerTokenId) throw new ConfirmationRejected("this confirmation token was issued to another caller");
  if (request.used_at) throw new ConfirmationRejected("this confirmation token has already been used");
  if (request.expired) throw new ConfirmationRejected("this confirmation token has expired; request a new one");
  await tx.query("UPDATE restore_requests SET used_at = now() WHERE id = $1", [request.id]);
  return {
    id: request.id,
    target: parseConnectionUrl(sealer.open(request.target_sealed, request.id)),
    targetDisplay: request.target_display,
    createsDatabase: request.creates_database,
  };
}

export async function insertRestore(
  tx: Queryable,
  input: { backupId: string; request: ConsumedRequest; requestedBy: string },
): Promise<Restore> {
  const { rows } = await tx.query<RestoreRow>(
    `INSERT INTO restores (id, backup_id, request_id, status, target_display, creates_database, requested_by)
     VALUES ($1, $2, $3, 'pending', $4, $5, $6) RETURNING *`,
    [randomUUID(), input.backupId, input.request.id, input.request.targetDisplay, input.request.createsDatabase, input.requestedBy],
  );
  return toRestore(rows[0]!);
}

export async function getRestore(db: Queryable, id: string): Promise<Restore> {
  const { rows } = await db.query<RestoreRow>("SELECT * FROM restores WHERE id = $1", [id]);
  if (!rows[0]) throw new NotFound(`restore ${id} not found`);
  return toRestore(rows[0]);
}

/** The target of a confirmed restore, for the worker that performs it. */
export async function restoreTarget(db: Queryable, sealer: Sealer, restoreId: string): Promise<ConnectionTarget> {
  const { rows } = await db.query<{ id: string; target_sealed: Buffer }>(
    "SELECT q.id, q.target_sealed FROM restores r JOIN restore_requests q ON q.id = r.request_id WHERE r.id = $1",
    [restoreId],
  );
  if (!rows[0]) throw new NotFound(`restore ${restoreId} not found`);
  return parseConnectionUrl(sealer.open(rows[0].target_sealed, rows[0].id));
}

export async function markRestoreRunning(db: Queryable, id: string, workerId?: string): Promise<Restore> {
  const { rows } = await db.query<RestoreRow>(
    "UPDATE restores SET status = 'running', started_at = now(), worker_id = $2 WHERE id = $1 AND status = 'pending' RETURNING *",
    [id, workerId ?? null],
  );
  if (!rows[0]) throw new NotFound(`pending restore ${id} not found`);
  return toRestore(rows[0]);
}

export async function recordSafetyBackup(db: Queryable, id: string, safetyBackupId: string): Promise<void> {
  await db.query("UPDATE restores SET safety_backup_id = $2 WHERE id = $1", [id, safetyBackupId]);
}

export async function finishRestore(db: Queryable, id: string, outcome: { status: "succeeded" | "failed"; message: string }): Promise<Restore> {
  const { rows } = await db.query<RestoreRow>(
    "UPDATE restores SET status = $2, message = $3, finished_at = now() WHERE id = $1 AND status IN ('pending', 'running') RETURNING *",
    [id, outcome.status, outcome.message],
  );
  if (!rows[0]) throw new NotFound(`unfinished restore ${id} not found`);
  return toRestore(rows[0]);
}
