import PgBoss from "pg-boss";
import type pg from "pg";
import type { JobKind, VerifyLevel, WebhookEvent } from "../domain/enums.ts";
import { toConnectionString, type ConnectionTarget } from "../postgres/connection.ts";
import type { Logger } from "../support/logger.ts";

export interface JobPayloads {
  /** `verifyLevel`: verify right after the backup completes (scheduled backups). */
  backup: { backupId: string; sourceId: string; verifyLevel?: VerifyLevel };
  verify: { verificationId: string };
  restore: { restoreId: string };
  webhook: { url: string; event: WebhookEvent; payload: Record<string, unknown> };
}

export interface JobRun<K extends JobKind> {
  data: JobPayloads[K];
  /** 1 for the first try. */
  attempt: number;
  /** No retry follows if this one fails. */
  finalAttempt: boolean;
}

const QUEUE_NAMES = {
  backup: "pgproof-backup",
  verify: "pgproof-verify",
  restore: "pgproof-restore",
  webhook: "pgproof-webhook",
} as const satisfies Record<JobKind, string>;

export type JobHandlers = { [K in JobKind]: (run: JobRun<K>) => Promise<void> };

export interface RetryPolicy {
  /** Retries after the first try. */
  limit: number;
  delaySeconds: number;
}

export interface QueueOptions {
  backupRetry: RetryPolicy;
  webhookRetry: RetryPolicy;
}

export const DEFAULT_QUEUE_OPTIONS: QueueOptions = {
  backupRetry: { limit: 3, delaySeconds: 30 },
  webhookRetry: { limit: 5, delaySeconds: 10 },
};

/** The shared job queue (pg-boss in the catalog database): any number of workers on any machines take from it. */
export class JobQueue implements AsyncDisposable {
  private readonly boss: PgBoss;
  private stopped = false;

  private constructor(boss: PgBoss) {
    this.boss = boss;
  }

  static async open(catalog: ConnectionTarget, logger: Logger, options: QueueOptions = DEFAULT_QUEUE_OPTIONS): Promise<JobQueue> {
    const boss = new PgBoss({ connectionString: toConnectionString(catalog), schema: "pgboss", max: 4, application_name: "pgproof-jobs" });
    boss.on("error", (error) => logger.error({ err: error }, "job queue error"));
    await boss.start();
    // Only transient failures are retried; everything else is recorded on its backup, verification or restore.
    const retry: Record<JobKind, RetryPolicy> = { backup: options.backupRetry, verify: { limit: 0, delaySeconds: 0 }, restore: { limit: 0, delaySeconds: 0 }, webhook: options.webhookRetry };
    for (const kind of Object.keys(QUEUE_NAMES) as JobKind[]) {
      const name = QUEUE_NAMES[kind];
      const policy = { name, retryLimit: retry[kind].limit, retryDelay: retry[kind].delaySeconds, retryBackoff: retry[kind].limit > 0, expireInHours: 23 };
      // createQueue keeps an existing queue's settings; updateQueue applies this process's.
      await boss.createQueue(name, policy);
      await boss.updateQueue(name, policy);
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
      const handler = handlers[kind] as (run: JobRun<typeof kind>) => Promise<void>;
      for (let i = 0; i < concurrency[kind]; i += 1) {
        await this.boss.work<JobPayloads[typeof kind]>(QUEUE_NAMES[kind], { batchSize: 1, pollingIntervalSeconds: 0.5, includeMetadata: true }, async ([job]) => {
          if (!job) return;
          const meta = job as unknown as { retryCount: number; retryLimit: number };
          await handler({ data: job.data, attempt: meta.retryCount + 1, finalAttempt: meta.retryCount >= meta.retryLimit });
        });
      }
    }
  }

  /** Jobs waiting or running, per kind. */
  async depth(): Promise<Record<JobKind, number>> {
    const out = {} as Record<JobKind, number>;
    for (const kind of Object.keys(QUEUE_NAMES) as JobKind[]) out[kind] = await this.boss.getQueueSize(QUEUE_NAMES[kind]);
    return out;
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
