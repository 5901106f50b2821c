import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { createApi } from "../api/app.ts";
import { countTokens, createToken } from "../catalog/tokens.ts";
import { jobHandlers } from "../jobs/handlers.ts";
import { DEFAULT_QUEUE_OPTIONS, JobQueue } from "../jobs/queue.ts";
import { Scheduler } from "../jobs/scheduler.ts";
import { Heartbeat } from "../jobs/workers.ts";
import type { Logger } from "../support/logger.ts";
import { Sealer } from "../support/sealing.ts";
import type { PgproofConfig } from "./config.ts";
import type { Runtime } from "./runtime.ts";
import { loadSecretKey } from "./secret-key.ts";

export interface ServiceOptions {
  host: string;
  port: number;
  /** Serve the API; a worker-only process does not. */
  api: boolean;
}

export interface Service extends AsyncDisposable {
  url: string | undefined;
  /** Set when this start created the first admin token: shown once. */
  newAdminToken: string | undefined;
  adminTokenFile: string;
}

const BOOTSTRAP_LOCK = 7_150_002;

/** Makes sure an admin token exists: PGPROOF_ADMIN_TOKEN, or a new one written to a 0600 file on first start. */
async function bootstrapAdminToken(runtime: Runtime, config: PgproofConfig): Promise<string | undefined> {
  const db = runtime.ctx.catalog;
  if (config.adminToken) {
    await createToken(db.pool, { name: "admin (PGPROOF_ADMIN_TOKEN)", role: "admin", value: config.adminToken });
    return undefined;
  }
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [BOOTSTRAP_LOCK]);
    if ((await countTokens(tx)) > 0) return undefined;
    const { value } = await createToken(tx, { name: "admin", role: "admin" });
    await writeFile(join(config.home, "admin-token"), value + "\n", { mode: 0o600 });
    return value;
  });
}

/** `pgproof serve` and `pgproof worker`: the API and/or one worker over a shared catalog and queue. */
export async function startService(runtime: Runtime, config: PgproofConfig, logger: Logger, options: ServiceOptions): Promise<Service> {
  const sealer = new Sealer(await loadSecretKey(config));
  const queue = await JobQueue.open(runtime.ctx.catalog.target, logger, { backupRetry: config.backupRetry, webhookRetry: DEFAULT_QUEUE_OPTIONS.webhookRetry });
  const heartbeat = await Heartbeat.start(runtime.ctx.catalog, Math.max(250, Math.floor(config.leaseMs / 4)));
  let server: ServerType | undefined;
  let scheduler: Scheduler | undefined;
  // Ordered: stop accepting requests, stop scheduling, let running jobs finish, then say goodbye.
  const release = async () => {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await scheduler?.[Symbol.asyncDispose]();
    await queue.stop();
    await heartbeat[Symbol.asyncDispose]();
  };
  try {
    const deps = { ctx: runtime.ctx, sealer, queue, defaultScratch: runtime.scratch, webhookUrls: config.webhookUrls, workerId: heartbeat.id };
    await queue.work(jobHandlers(deps), config.concurrency);
    scheduler = new Scheduler(deps, { intervalMs: config.schedulerIntervalMs, leaseMs: config.leaseMs, retentionIntervalMs: config.retentionIntervalMs }).start();
    const newAdminToken = options.api ? await bootstrapAdminToken(runtime, config) : undefined;
    let url: string | undefined;
    if (options.api) {
      const app = createApi(deps);
      url = await new Promise<string>((resolve, reject) => {
        server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, (info) => resolve(`http://${options.host}:${info.port}`));
        server.once("error", reject);
      });
    }
    return { url, newAdminToken, adminTokenFile: join(config.home, "admin-token"), [Symbol.asyncDispose]: release };
  } catch (error) {
    await release();
    throw error;
  }
}
