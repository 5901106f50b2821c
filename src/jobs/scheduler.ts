import { Cron } from "croner";
import { listSources, type Source } from "../catalog/sources.ts";
import { createBackupRecord } from "../engine/backup.ts";
import { withClient } from "../postgres/client.ts";
import { identityTarget } from "../postgres/connection.ts";
import type { WorkerDeps } from "./handlers.ts";
import { healthReport } from "./health-report.ts";
import { applyRetention, sweepOrphanArtifacts } from "./retention.ts";
import { notify } from "./webhooks.ts";
import { reapLostWorkers } from "./workers.ts";
import { scratchServer } from "./handlers.ts";

export interface SchedulerOptions {
  intervalMs: number;
  /** A worker whose heartbeat is older than this has lost its work. */
  leaseMs: number;
  retentionIntervalMs: number;
}

export interface ClaimedWindow {
  sourceId: string;
  windowStart: Date;
  backupId: string;
}

const RETENTION_LOCK = 7_150_003;

/** The start of the cadence window that holds `now`, if the schedule already existed then. */
export function currentWindow(source: Pick<Source, "schedule" | "timezone" | "scheduleSince">, now: Date): Date | undefined {
  if (!source.schedule) return undefined;
  const [start] = new Cron(source.schedule, { timezone: source.timezone, paused: true }).previousRuns(1, now);
  return start && start.getTime() >= source.scheduleSince.getTime() ? start : undefined;
}

/**
 * Claims, for every scheduled source, the window that holds `now` and queues its backup, all in
 * one transaction per source. The primary key on (source, window) makes the claim exactly-once
 * across any number of workers; only the newest window is ever owed, so downtime costs one
 * catch-up backup, not one per missed window.
 */
export async function claimDueWindows(deps: WorkerDeps, now = new Date()): Promise<ClaimedWindow[]> {
  const claimed: ClaimedWindow[] = [];
  for (const source of await listSources(deps.ctx.catalog.pool)) {
    if (source.paused) continue;
    const windowStart = currentWindow(source, now);
    if (!windowStart) continue;
    const backupId = await deps.ctx.catalog.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        "INSERT INTO scheduled_runs (source_id, window_start, claimed_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        [source.id, windowStart, deps.workerId],
      );
      if (!rowCount) return undefined;
      const backup = await createBackupRecord(tx, identityTarget(source), { sourceId: source.id, trigger: "schedule" });
      await tx.query("UPDATE scheduled_runs SET backup_id = $3 WHERE source_id = $1 AND window_start = $2", [source.id, windowStart, backup.id]);
      await deps.queue.enqueue("backup", { backupId: backup.id, sourceId: source.id, verifyLevel: source.verifyLevel }, tx);
      return backup.id;
    });
    if (backupId) claimed.push({ sourceId: source.id, windowStart, backupId });
  }
  return claimed;
}

/** Sends one `backup.overdue` alert per overdue episode of a source; a verified backup ends the episode. */
export async function alertOverdue(deps: WorkerDeps, now = new Date()): Promise<string[]> {
  const db = deps.ctx.catalog.pool;
  const { reports } = await healthReport(db, now);
  const alerted: string[] = [];
  for (const report of reports) {
    if (report.overdue) {
      const sent = await deps.ctx.catalog.transaction(async (tx) => {
        const { rowCount } = await tx.query("UPDATE sources SET overdue_notified_at = now() WHERE id = $1 AND overdue_notified_at IS NULL", [report.sourceId]);
        if (rowCount) await notify(deps.queue, deps.webhookUrls, "backup.overdue", { source: { id: report.sourceId, name: report.name }, reason: report.reason }, tx);
        return Boolean(rowCount);
      });
      if (sent) alerted.push(report.sourceId);
    }
  }
  return alerted;
}

/** Runs retention for every source, in one process at a time across the fleet. */
export async function runRetention(deps: WorkerDeps, now = new Date()): Promise<void> {
  await withClient(deps.ctx.catalog.target, async (client) => {
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [RETENTION_LOCK]);
    if (!rows[0]?.locked) return;
    try {
      for (const source of await listSources(deps.ctx.catalog.pool)) await applyRetention(deps.ctx, source.id, { now });
      await sweepOrphanArtifacts(deps.ctx);
      await deps.ctx.storage.sweepIncompleteUploads?.(now);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [RETENTION_LOCK]);
    }
  });
}

/** The periodic duties of a worker: reap lost workers, claim due windows, alert, apply retention. */
export class Scheduler implements AsyncDisposable {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private lastRetention = 0;
  private readonly deps: WorkerDeps;
  private readonly options: SchedulerOptions;

  constructor(deps: WorkerDeps, options: SchedulerOptions) {
    this.deps = deps;
    this.options = options;
  }

  start(): this {
    const loop = () => {
      this.running = this.tick().finally(() => {
        if (this.timer) this.timer = setTimeout(loop, this.options.intervalMs);
      });
    };
    this.timer = setTimeout(loop, 0);
    return this;
  }

  async tick(now = new Date()): Promise<void> {
    const { logger } = this.deps.ctx;
    const step = async (name: string, work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        logger.error({ err: error }, `scheduler: ${name} failed`);
      }
    };
    await step("reaping lost workers", async () => reapLostWorkers(this.deps.ctx, await scratchServer(this.deps), this.options.leaseMs));
    await step("claiming due windows", () => claimDueWindows(this.deps, now));
    await step("overdue alerts", () => alertOverdue(this.deps, now));
    if (now.getTime() - this.lastRetention >= this.options.retentionIntervalMs) {
      this.lastRetention = now.getTime();
      await step("retention", () => runRetention(this.deps, now));
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
