import { randomUUID } from "node:crypto";
import { Conflict, NotFound } from "../domain/errors.ts";
import type { VerifyLevel } from "../domain/enums.ts";
import { identityOf, parseConnectionUrl, type ConnectionTarget } from "../postgres/connection.ts";
import type { Sealer } from "../support/sealing.ts";
import type { Queryable } from "./catalog.ts";

export interface Source {
  id: string;
  name: string;
  host: string;
  port: number;
  database: string;
  user: string;
  schedule: string | null;
  timezone: string;
  retentionDays: number | null;
  keepLast: number | null;
  verifyLevel: VerifyLevel;
  paused: boolean;
  rtoSeconds: number | null;
  gfsDaily: number | null;
  gfsWeekly: number | null;
  gfsMonthly: number | null;
  /** Windows that opened before this moment are not owed a backup (the schedule did not exist yet). */
  scheduleSince: Date;
  createdAt: Date;
  updatedAt: Date;
}

interface SourceRow {
  id: string;
  name: string;
  url_sealed: Buffer;
  host: string;
  port: number;
  database: string;
  user_name: string;
  schedule: string | null;
  timezone: string;
  retention_days: number | null;
  keep_last: number | null;
  verify_level: VerifyLevel;
  paused: boolean;
  rto_seconds: number | null;
  gfs_daily: number | null;
  gfs_weekly: number | null;
  gfs_monthly: number | null;
  schedule_since: Date;
  created_at: Date;
  updated_at: Date;
}

function toSource(row: SourceRow): Source {
  return {
    id: row.id,
    name: row.name,
    host: row.host,
    port: row.port,
    database: row.database,
    user: row.user_name,
    schedule: row.schedule,
    timezone: row.timezone,
    retentionDays: row.retention_days,
    keepLast: row.keep_last,
    verifyLevel: row.verify_level,
    paused: row.paused,
    rtoSeconds: row.rto_seconds,
    gfsDaily: row.gfs_daily,
    gfsWeekly: row.gfs_weekly,
    gfsMonthly: row.gfs_monthly,
    scheduleSince: row.schedule_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What a caller sets on a source; the rest (id, identity, timestamps) pgproof derives. */
export type SourceFields = Omit<Source, "id" | "host" | "port" | "database" | "user" | "scheduleSince" | "createdAt" | "updatedAt"> & { url: string };

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === "23505";
}

export async function insertSource(db: Queryable, sealer: Sealer, fields: SourceFields): Promise<Source> {
  const id = randomUUID();
  const identity = identityOf(parseConnectionUrl(fields.url, "url"));
  try {
    const { rows } = await db.query<SourceRow>(
      `INSERT INTO sources (id, name, url_sealed, host, port, database, user_name, schedule, timezone, retention_days, keep_last, verify_level, paused,
                            rto_seconds, gfs_daily, gfs_weekly, gfs_monthly)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING *`,
      [id, fields.name, sealer.seal(fields.url, id), identity.host, identity.port, identity.database, identity.user, fields.schedule, fields.timezone, fields.retentionDays, fields.keepLast, fields.verifyLevel, fields.paused,
       fields.rtoSeconds, fields.gfsDaily, fields.gfsWeekly, fields.gfsMonthly],
    );
    return toSource(rows[0]!);
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict(`a source named ${JSON.stringify(fields.name)} already exists`);
    throw error;
  }
}

export async function updateSource(db: Queryable, sealer: Sealer, id: string, fields: Partial<SourceFields>): Promise<Source> {
  const current = await getSource(db, id);
  const merged = { ...current, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) };
  const identity = fields.url ? identityOf(parseConnectionUrl(fields.url, "url")) : current;
  try {
    const { rows } = await db.query<SourceRow>(
      `UPDATE sources SET name = $2, url_sealed = coalesce($3, url_sealed), host = $4, port = $5, database = $6, user_name = $7,
         schedule = $8, timezone = $9, retention_days = $10, keep_last = $11, verify_level = $12, paused = $13,
         rto_seconds = $14, gfs_daily = $15, gfs_weekly = $16, gfs_monthly = $17, updated_at = now(),
         -- A new schedule owes nothing for windows that opened under the old one.
         schedule_since = CASE WHEN schedule IS DISTINCT FROM $8 OR timezone IS DISTINCT FROM $9 THEN now() ELSE schedule_since END
       WHERE id = $1 RETURNING *`,
      [id, merged.name, fields.url ? sealer.seal(fields.url, id) : null, identity.host, identity.port, identity.database, identity.user, merged.schedule, merged.timezone, merged.retentionDays, merged.keepLast, merged.verifyLevel, merged.paused,
       merged.rtoSeconds, merged.gfsDaily, merged.gfsWeekly, merged.gfsMonthly],
    );
    return toSource(rows[0]!);
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict(`a source named ${JSON.stringify(fields.name)} already exists`);
    throw error;
  }
}

export async function getSource(db: Queryable, id: string): Promise<Source> {
  const { rows } = await db.query<SourceRow>("SELECT * FROM sources WHERE id = $1", [id]);
  if (!rows[0]) throw new NotFound(`source ${id} not found`);
  return toSource(rows[0]);
}

export async function listSources(db: Queryable): Promise<Source[]> {
  const { rows } = await db.query<SourceRow>("SELECT * FROM sources ORDER BY name");
  return rows.map(toSource);
}

/** The source's connection, password included: for the engine only, never for a response. */
export async function sourceConnection(db: Queryable, sealer: Sealer, id: string): Promise<ConnectionTarget> {
  const { rows } = await db.query<{ url_sealed: Buffer }>("SELECT url_sealed FROM sources WHERE id = $1", [id]);
  if (!rows[0]) throw new NotFound(`source ${id} not found`);
  return parseConnectionUrl(sealer.open(rows[0].url_sealed, id));
}

export async function deleteSource(db: Queryable, id: string): Promise<void> {
  const { rowCount } = await db.query("DELETE FROM sources WHERE id = $1", [id]);
  if (!rowCount) throw new NotFound(`source ${id} not found`);
}
