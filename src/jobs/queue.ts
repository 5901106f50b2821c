import PgBoss from "pg-boss";
import type pg from "pg";
import type { JobKind } from "../domain/enums.ts";
import { toConnectionString, type ConnectionTarget } from "../postgres/connection.ts";
import type { Logger } from "../support/logger.ts";

export interface JobPayloads {
  backup: { backupId: string; sourceId: string };
  verify: { verificationId: string };
  restore: { restoreId: string };
}

const QUEUE_NAMES = {
  backup: "pgproof-backup",
  verify: "pgproof-verify",
  restore: "pgproof-restore",
} as const satisfies Record<JobKind, string>;

export type JobHandlers = { [K in JobKind]: (data: JobPayloads[K]) => Promise<void> };

/** The shared job queue (pg-boss in the catalog database): any number of workers on any machines take from it. */
export class JobQueue implements AsyncDisposable {
  private readonly boss: PgBoss;
  private stopped = false;

  private constructor(boss: PgBoss) {
    this.boss = boss;
  }

  static async open(catalog: ConnectionTarget, logger: Logger): Promise<JobQueue> {
    const boss = new PgBoss({ connectionString: toConnectionString(catalog), schema: "pgboss", max: 4, application_name: "pgproof-jobs" });
    boss.on("error", (error) => logger.error({ err: error }, "job queue error"));
    await boss.start();
    for (const name of Object.values(QUEUE_NAMES)) {
      // Our own code decides what is retried; a failed job is recorded on its backup, verification or restore.
      await boss.createQueue(name, { name, retryLimit: 0, expireInHours: 23 });
    }
    return new JobQueue(boss);
  }

  /** Enqueues a job; pass `tx` to enqueue in the same transaction as the row the job works on. */
  async enqueue<K extends JobKind>(kind: K, data: JobPayloads[K], tx?: pg.ClientBase): Promise<string> {
    const db = tx ? { executeSql: (text: string, values: unknown[]) => tx.query(text, values) } : undefined;
    const id = await this.boss.send(QUEUE_NAMES[kind], data, db ? { db } : {});
    if (!id) throw new Error(`job ${kind} was not queued`);
    return id;
  }

  /** Starts taking jobs of every kind, `concurrency` at a time per kind. */
  async work(handlers: JobHandlers, concurrency: Record<JobKind, number>): Promise<void> {
    for (const kind of Object.keys(QUEUE_NAMES) as JobKind[]) {
      for (let i = 0; i < concurrency[kind]; i += 1) {
        await this.boss.work<JobPayloads[typeof kind]>(QUEUE_NAMES[kind], { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => {
          if (job) await (handlers[kind] as (data: JobPayloads[typeof kind]) => Promise<void>)(job.data);
        });
      }
    }
  }

  /** Stops taking jobs and waits up to `graceMs` for running ones. Safe to call twice. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.boss.stop({ graceful: true, timeout: graceMs, wait: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
