import { createRoute } from "@hono/zod-openapi";
import { Registry, Gauge } from "prom-client";
import { HealthView } from "../../domain/api.ts";
import { BACKUP_STATUSES, JOB_KINDS } from "../../domain/enums.ts";
import { sourceActivity, type SourceActivity } from "../../catalog/health.ts";
import { listSources } from "../../catalog/sources.ts";
import { healthReport } from "../../jobs/health-report.ts";
import type { ApiApp, ApiDeps } from "../context.ts";
import { json } from "../openapi-common.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** `/api/health` (no token, no secrets) and `/metrics` (Prometheus text). */
export function registerHealthRoutes(app: ApiApp, deps: ApiDeps): void {
  const db = deps.ctx.catalog.pool;

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/health",
      tags: ["health"],
      responses: { 200: json(HealthView, "up; per-source backup health never makes this fail"), 503: json(HealthView, "the catalog is unreachable") },
    }),
    async (c) => {
      try {
        const { reports } = await healthReport(db);
        const backups = reports.map((r) => ({ sourceId: r.sourceId, name: r.name, status: r.status, reason: r.reason, lastBackupAt: iso(r.lastBackupAt), lastVerifiedAt: iso(r.lastVerifiedAt), nextRunAt: iso(r.nextRunAt) }));
        return c.json({ status: "ok" as const, components: { catalog: "ok" as const, backups } }, 200);
      } catch (error) {
        deps.ctx.logger.error({ err: error }, "health: catalog unavailable");
        return c.json({ status: "unavailable" as const, components: { catalog: "unavailable" as const, backups: [] } }, 503);
      }
    },
  );

  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => Promise<void>) =>
    new Gauge({ name, help, labelNames, registers: [registry], async collect() { this.reset(); await collect(this); } });

  gauge("pgproof_backups", "backups by status", ["status"], async (g) => {
    const { rows } = await db.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM backups WHERE purging_at IS NULL GROUP BY status");
    for (const status of BACKUP_STATUSES) g.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
  });
  const perSource = async (pick: (a: SourceActivity) => number | null, g: Gauge) => {
    const sources = await listSources(db);
    const activity = await sourceActivity(db);
    for (const source of sources) {
      const a = activity.get(source.id);
      const value = a ? pick(a) : null;
      if (value !== null) g.set({ source: source.name }, value);
    }
  };
  gauge("pgproof_last_success_timestamp_seconds", "creation time of the newest completed or verified backup", ["source"], (g) => perSource((a) => (a.lastSuccessAt ? a.lastSuccessAt.getTime() / 1000 : null), g));
  gauge("pgproof_last_verified_timestamp_seconds", "creation time of the newest verified backup", ["source"], (g) => perSource((a) => (a.lastVerifiedAt ? a.lastVerifiedAt.getTime() / 1000 : null), g));
  gauge("pgproof_backup_duration_seconds", "duration of the newest successful backup", ["source"], (g) => perSource((a) => a.lastBackupSeconds, g));
  gauge("pgproof_backup_size_bytes", "size of the newest successful backup", ["source"], (g) => perSource((a) => a.lastBackupBytes, g));
  gauge("pgproof_restore_duration_seconds", "restore time of the newest passed full-restore verification", ["source"], (g) => perSource((a) => (a.lastRestoreMs === null ? null : a.lastRestoreMs / 1000), g));
  gauge("pgproof_queue_depth", "jobs waiting or running", ["kind"], async (g) => {
    const depth = await deps.queue.depth();
    for (const kind of JOB_KINDS) g.set({ kind }, depth[kind]);
  });
  gauge("pgproof_failed_jobs", "backups failed and verifications that failed or could not run, in total", ["kind"], async (g) => {
    const { rows } = await db.query<{ backups: number; verifications: number }>(
      "SELECT (SELECT count(*)::int FROM backups WHERE status = 'failed') AS backups, (SELECT count(*)::int FROM verifications WHERE status IN ('failed', 'error')) AS verifications",
    );
    g.set({ kind: "backup" }, rows[0]!.backups);
    g.set({ kind: "verify" }, rows[0]!.verifications);
  });

  app.get("/metrics", async (c) => {
    c.header("content-type", registry.contentType);
    return c.body(await registry.metrics());
  });
}
