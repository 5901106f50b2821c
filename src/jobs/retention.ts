import { basename } from "node:path";
import { getSource } from "../catalog/sources.ts";
import type { EngineContext } from "../engine/context.ts";
import { planRetention, type RetentionPolicy } from "../domain/retention.ts";
import type { BackupStatus } from "../domain/enums.ts";

export interface RetentionResult {
  sourceId: string;
  purged: Array<{ id: string; createdAt: Date; status: BackupStatus }>;
  kept: Array<{ id: string; reason: string }>;
}

/**
 * Applies a source's retention policy at `now`. Each purge first hides the backup from listings
 * and restore choices, then deletes the artifact, then the row: a crash between steps leaves at
 * worst a hidden row or an unlisted artifact, which the next run removes.
 */
export async function applyRetention(ctx: EngineContext, sourceId: string, options: { now?: Date; dryRun?: boolean } = {}): Promise<RetentionResult> {
  const now = options.now ?? new Date();
  const db = ctx.catalog.pool;
  const source = await getSource(db, sourceId);
  const policy: RetentionPolicy = { retentionDays: source.retentionDays, keepLast: source.keepLast, gfsDaily: source.gfsDaily, gfsWeekly: source.gfsWeekly, gfsMonthly: source.gfsMonthly };
  const { rows } = await db.query<{ id: string; created_at: Date; status: BackupStatus; purging: boolean }>(
    "SELECT id, created_at, status, purging_at IS NOT NULL AS purging FROM backups WHERE source_id = $1",
    [sourceId],
  );
  const unfinished = rows.filter((r) => r.purging).map((r) => r.id);
  const plan = planRetention(rows.filter((r) => !r.purging).map((r) => ({ id: r.id, createdAt: r.created_at, status: r.status })), policy, now);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const purged = [...plan.purge, ...unfinished].map((id) => ({ id, createdAt: byId.get(id)!.created_at, status: byId.get(id)!.status }));
  const kept = [...plan.keep].map(([id, reason]) => ({ id, reason }));
  if (options.dryRun) return { sourceId, purged, kept };

  for (const { id } of purged) {
    const { rows: hidden } = await db.query<{ storage_key: string | null; storage_location: string | null }>(
      "UPDATE backups SET purging_at = coalesce(purging_at, now()) WHERE id = $1 AND status <> 'in_progress' RETURNING storage_key, storage_location",
      [id],
    );
    if (!hidden[0]) continue;
    if (hidden[0].storage_key) await ctx.storages.at(hidden[0].storage_location).delete(hidden[0].storage_key);
    await db.query("DELETE FROM backups WHERE id = $1", [id]);
  }
  return { sourceId, purged, kept };
}

const ARTIFACT_NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.dump$/;

/** Deletes artifacts whose backup row no longer exists (left by a purge or delete that crashed midway). */
export async function sweepOrphanArtifacts(ctx: EngineContext): Promise<string[]> {
  const candidates: Array<{ key: string; id: string }> = [];
  for await (const object of ctx.storage.list()) {
    const match = ARTIFACT_NAME.exec(basename(object.key));
    if (match) candidates.push({ key: object.key, id: match[1]! });
  }
  if (!candidates.length) return [];
  const { rows } = await ctx.catalog.pool.query<{ id: string }>("SELECT id FROM backups WHERE id = ANY($1::uuid[])", [candidates.map((c) => c.id)]);
  const known = new Set(rows.map((r) => r.id));
  const orphans = candidates.filter((c) => !known.has(c.id)).map((c) => c.key);
  for (const key of orphans) await ctx.storage.delete(key);
  return orphans;
}
