import type { AuditOutcome } from "../domain/enums.ts";
import type { Queryable } from "./catalog.ts";

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: AuditOutcome;
  requestId: string | null;
  details: Record<string, unknown>;
}

export interface AuditInput {
  actor: string;
  action: string;
  targetType?: string;
  targetId?: string;
  outcome: AuditOutcome;
  requestId?: string;
  /** Never secrets: callers pass ids, names and displays only. */
  details?: Record<string, unknown>;
}

export async function recordAudit(db: Queryable, entry: AuditInput): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor, action, target_type, target_id, outcome, request_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [entry.actor, entry.action, entry.targetType ?? null, entry.targetId ?? null, entry.outcome, entry.requestId ?? null, JSON.stringify(entry.details ?? {})],
  );
}

export async function listAudit(db: Queryable, options: { limit: number; before?: number }): Promise<AuditEntry[]> {
  const { rows } = await db.query<{
    id: string;
    at: Date;
    actor: string;
    action: string;
    target_type: string | null;
    target_id: string | null;
    outcome: AuditOutcome;
    request_id: string | null;
    details: Record<string, unknown>;
  }>(`SELECT * FROM audit_log WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT $2`, [options.before ?? null, options.limit]);
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at,
    actor: r.actor,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    outcome: r.outcome,
    requestId: r.request_id,
    details: r.details,
  }));
}
