import { hostname } from "node:os";
import type { Catalog } from "../catalog/catalog.ts";
import type { EngineContext } from "../engine/context.ts";
import type { ConnectionTarget } from "../postgres/connection.ts";
import { dropScratchDatabasesOf } from "../postgres/scratch-database.ts";
import { processIdentity } from "../support/process-identity.ts";

export const WORKER_LOST = "worker lost: its heartbeat stopped before the work finished";

/** Keeps this process's heartbeat row fresh; removed on dispose. */
export class Heartbeat implements AsyncDisposable {
  readonly id = processIdentity();
  private timer: NodeJS.Timeout | undefined;
  private readonly catalog: Catalog;

  private constructor(catalog: Catalog) {
    this.catalog = catalog;
  }

  static async start(catalog: Catalog, intervalMs: number): Promise<Heartbeat> {
    const heartbeat = new Heartbeat(catalog);
    await catalog.pool.query(
      `INSERT INTO workers (id, host, pid) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), started_at = now()`,
      [heartbeat.id, hostname(), process.pid],
    );
    heartbeat.timer = setInterval(() => {
      catalog.pool.query("UPDATE workers SET heartbeat_at = now() WHERE id = $1", [heartbeat.id]).catch(() => {});
    }, intervalMs);
    heartbeat.timer.unref();
    return heartbeat;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    clearInterval(this.timer);
    await this.catalog.pool.query("DELETE FROM workers WHERE id = $1", [this.id]).catch(() => {});
  }
}

export interface ReapedWorker {
  workerId: string;
  backups: string[];
}

/**
 * Closes the work of processes whose heartbeat is older than `leaseMs`: their backups fail as
 * "worker lost" and lose their partial artifacts, their verifications and restores end, and their
 * scratch databases are dropped. Any process may call it; each lost worker is reaped once.
 */
export async function reapLostWorkers(ctx: EngineContext, scratch: ConnectionTarget, leaseMs: number): Promise<ReapedWorker[]> {
  const reaped = await ctx.catalog.transaction(async (tx) => {
    const { rows: lost } = await tx.query<{ id: string }>(
      `DELETE FROM workers WHERE id IN (
         SELECT id FROM workers WHERE heartbeat_at < now() - make_interval(secs => $1::double precision / 1000) FOR UPDATE SKIP LOCKED
       ) RETURNING id`,
      [leaseMs],
    );
    const out: Array<ReapedWorker & { artifacts: Array<{ key: string; location: string | null }> }> = [];
    for (const { id } of lost) {
      const { rows: backups } = await tx.query<{ id: string; storage_key: string | null; storage_location: string | null }>(
        `UPDATE backups SET status = 'failed', error = $2, finished_at = now() WHERE worker_id = $1 AND status = 'in_progress' RETURNING id, storage_key, storage_location`,
        [id, WORKER_LOST],
      );
      await tx.query(`UPDATE backup_attempts SET finished_at = now(), error = $2 WHERE worker_id = $1 AND finished_at IS NULL`, [id, WORKER_LOST]);
      await tx.query(`UPDATE verifications SET status = 'error', message = $2, finished_at = now() WHERE worker_id = $1 AND status = 'running'`, [id, WORKER_LOST]);
      await tx.query(`UPDATE restores SET status = 'failed', message = $2, finished_at = now() WHERE worker_id = $1 AND status IN ('pending', 'running')`, [
        id,
        `${WORKER_LOST}; the restore ran in one transaction, so the target was left as it was`,
      ]);
      out.push({ workerId: id, backups: backups.map((b) => b.id), artifacts: backups.flatMap((b) => (b.storage_key ? [{ key: b.storage_key, location: b.storage_location }] : [])) });
    }
    return out;
  });
  for (const worker of reaped) {
    for (const { key, location } of worker.artifacts) {
      const storage = ctx.storages.at(location);
      await storage.discardIncomplete(key);
      await storage.delete(key);
    }
    await dropScratchDatabasesOf(scratch, worker.workerId).catch((error: unknown) => ctx.logger.warn({ err: error, workerId: worker.workerId }, "could not drop a lost worker's scratch databases"));
    ctx.logger.warn({ workerId: worker.workerId, backups: worker.backups }, "reaped a lost worker");
  }
  return reaped.map(({ workerId, backups }) => ({ workerId, backups }));
}
