import { randomBytes } from "node:crypto";
import { Sealer } from "../../src/support/sealing.ts";
import { insertSource, type Source, type SourceFields } from "../../src/catalog/sources.ts";
import { startProcess, type RunningProcess } from "../../src/support/run-process.ts";
import { CLI } from "./cli.ts";
import { sql, type TestPgproof } from "./databases.ts";

/** Worker processes over one test file's catalog, sharing one secret key. */
export class WorkerFleet implements AsyncDisposable {
  readonly secretKey = randomBytes(32);
  readonly sealer = new Sealer(this.secretKey);
  private readonly processes: RunningProcess[] = [];
  private readonly pgproof: TestPgproof;
  readonly env: NodeJS.ProcessEnv;

  constructor(pgproof: TestPgproof, env: NodeJS.ProcessEnv = {}) {
    this.pgproof = pgproof;
    this.env = {
      ...pgproof.cliEnv,
      PGPROOF_SECRET_KEY: this.secretKey.toString("base64"),
      PGPROOF_SCHEDULER_INTERVAL_MS: "300",
      PGPROOF_LEASE_SECONDS: "2",
      PGPROOF_BACKUP_RETRY_DELAY_SECONDS: "1",
      PGPROOF_LOG_LEVEL: "warn",
      ...env,
    };
  }

  start(extraEnv: NodeJS.ProcessEnv = {}): RunningProcess {
    const worker = startProcess(process.execPath, [CLI, "worker"], { env: { ...this.env, ...extraEnv }, stderrLimit: 1 << 20 });
    worker.stdout.resume();
    this.processes.push(worker);
    return worker;
  }

  async addSource(fields: Partial<SourceFields> & { name: string; url: string }, scheduleSince?: Date): Promise<Source> {
    const source = await insertSource(this.pgproof.ctx.catalog.pool, this.sealer, {
      schedule: null,
      timezone: "UTC",
      retentionDays: null,
      keepLast: null,
      verifyLevel: "full-restore",
      paused: false,
      rtoSeconds: null,
      gfsDaily: null,
      gfsWeekly: null,
      gfsMonthly: null,
      ...fields,
    });
    if (scheduleSince) await sql(this.pgproof.catalogTarget, "UPDATE sources SET schedule_since = $2 WHERE id = $1", [source.id, scheduleSince]);
    return source;
  }

  async stopAll(): Promise<void> {
    for (const worker of this.processes) worker.child.kill("SIGINT");
    await Promise.all(this.processes.map((w) => w.done));
    this.processes.length = 0;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stopAll();
  }
}

export async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
