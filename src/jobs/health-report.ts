import { sourceActivity } from "../catalog/health.ts";
import { listSources, type Source } from "../catalog/sources.ts";
import type { Queryable } from "../catalog/catalog.ts";
import type { HealthStatus } from "../domain/enums.ts";
import { sourceHealth } from "../domain/health.ts";
import { nextRuns } from "../domain/schedule.ts";

export interface SourceHealthReport {
  sourceId: string;
  name: string;
  status: HealthStatus;
  reason: string | null;
  overdue: boolean;
  lastBackupAt: Date | null;
  lastVerifiedAt: Date | null;
  nextRunAt: Date | null;
}

/** Health of every source at `now`, from the catalog. */
export async function healthReport(db: Queryable, now = new Date()): Promise<{ sources: Source[]; reports: SourceHealthReport[] }> {
  const sources = await listSources(db);
  const activity = await sourceActivity(db);
  const reports = sources.map((source) => {
    const a = activity.get(source.id);
    const health = sourceHealth(
      { paused: source.paused, schedule: source.schedule, timezone: source.timezone, rtoSeconds: source.rtoSeconds, lastVerifiedAt: a?.lastVerifiedAt ?? null, lastRestoreMs: a?.lastRestoreMs ?? null },
      now,
    );
    return {
      sourceId: source.id,
      name: source.name,
      ...health,
      lastBackupAt: a?.lastBackupAt ?? null,
      lastVerifiedAt: a?.lastVerifiedAt ?? null,
      nextRunAt: source.schedule && !source.paused ? (nextRuns(source.schedule, source.timezone, 1, now)[0] ?? null) : null,
    };
  });
  return { sources, reports };
}
