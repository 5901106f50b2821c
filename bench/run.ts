/**
 * `npm run bench`: pgproof against the bare PostgreSQL tools, in one process, interleaved,
 * medians and ratios. Writes a markdown table to stdout and, with --out, to a file.
 *   node bench/run.ts [--scale 40] [--rounds 5] [--out BENCHMARKS.md]
 */
import { mkdtemp, rm, chmod, writeFile, stat } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { demoSchemaSql } from "../src/app/demo-database.ts";
import { Catalog } from "../src/catalog/catalog.ts";
import { engineContext } from "../src/app/runtime.ts";
import { runBackup } from "../src/engine/backup.ts";
import { runVerification } from "../src/engine/verify.ts";
import { fingerprintTables, listBaseTables } from "../src/engine/manifest-capture.ts";
import { withClient } from "../src/postgres/client.ts";
import { clientFor } from "../src/postgres/client-tools.ts";
import { LocalCluster } from "../src/postgres/cluster.ts";
import { libpqEnv, toConnectionString, withDatabase, type ConnectionTarget } from "../src/postgres/connection.ts";
import { PIN_SESSION_SQL } from "../src/postgres/session-settings.ts";
import { LocalStorage } from "../src/storage/local-storage.ts";
import { silentLogger } from "../src/support/logger.ts";
import { runProcess, startProcess } from "../src/support/run-process.ts";
import { randomBytes } from "node:crypto";
import { insertSource } from "../src/catalog/sources.ts";
import { Sealer } from "../src/support/sealing.ts";
import { interleaved, median, percentile } from "./measure.ts";

const { values: args } = parseArgs({
  options: {
    scale: { type: "string", default: "40" },
    rounds: { type: "string", default: "5" },
    out: { type: "string" },
    "api-backups": { type: "string", default: "10000" },
    sources: { type: "string", default: "12" },
  },
});
const SCALE = Number(args.scale);
const ROUNDS = Number(args.rounds);
const CLI = new URL("../src/cli/main.ts", import.meta.url).pathname;

async function must(command: string, argv: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const result = await runProcess(command, argv, { env, stderrLimit: 1 << 16 });
  if (result.code !== 0) throw new Error(`${command} ${argv.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

const sh = (script: string, env: NodeJS.ProcessEnv) => must("sh", ["-c", script], env);

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "pgproof-bench-"));
  await chmod(root, 0o755);
  const sourceCluster = await new LocalCluster({ dir: join(root, "source"), fast: true }).start();
  const homeCluster = await new LocalCluster({ dir: join(root, "home"), fast: true }).start();
  const lines: string[] = [];
  try {
    const admin = sourceCluster.target();
    const pgDump = await clientFor("pg_dump", 15);
    const pgRestore = await clientFor("pg_restore", 15);
    const psql = await clientFor("psql", 15);
    const binDir = pgDump.path.replace(/\/pg_dump$/, "");
    const setup = async (name: string, scale: number): Promise<ConnectionTarget> => {
      await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
      const target = withDatabase(admin, name);
      await must(join(binDir, "pgbench"), ["-i", "-q", "-s", String(scale), name], libpqEnv(target));
      await withClient(target, (c) => c.query(demoSchemaSql(1)));
      return target;
    };
    const source = await setup("bench", SCALE);
    const sourceEnv = libpqEnv(source);
    const [{ size }] = (await withClient(source, (c) => c.query<{ size: string }>("SELECT pg_size_pretty(pg_database_size(current_database())) AS size"))).rows as [{ size: string }];

    await withClient(homeCluster.target(), (c) => c.query("CREATE DATABASE catalog"));
    const catalogTarget = withDatabase(homeCluster.target(), "catalog");
    const catalog = await Catalog.open(catalogTarget);
    const storageDir = join(root, "storage");
    const ctx = engineContext({ catalog, storage: new LocalStorage(storageDir), logger: silentLogger });
    const scratch = homeCluster.target();
    const scratchEnv = libpqEnv(scratch);
    const bareFc = join(root, "bare.dump");
    const bareGz = join(root, "bare.sql.gz");

    // 1. backup
    let lastBackupId = "";
    const backupTimes = await interleaved(
      {
        "pgproof backup": async () => (lastBackupId = (await runBackup(ctx, { source })).id),
        "pg_dump -Fc": () => must(pgDump.path, ["-Fc", "-f", bareFc, "--dbname", source.database], sourceEnv),
        "pg_dump -Fp | gzip": () => sh(`"${pgDump.path}" -Fp --dbname "${source.database}" | gzip > "${bareGz}"`, sourceEnv),
      },
      ROUNDS,
    );

    // 2. full-restore
    let bareN = 0;
    const bareRestore = async (restore: (db: string) => Promise<unknown>) => {
      const db = `bare_${(bareN += 1)}`;
      await withClient(scratch, (c) => c.query(`CREATE DATABASE ${db}`));
      try {
        await restore(db);
        await withClient(withDatabase(scratch, db), async (c) => {
          await c.query(PIN_SESSION_SQL);
          await fingerprintTables(c, await listBaseTables(c));
        });
      } finally {
        await withClient(scratch, (c) => c.query(`DROP DATABASE ${db} WITH (FORCE)`));
      }
    };
    const restoreTimes = await interleaved(
      {
        "pgproof verify --level full-restore": () => runVerification(ctx, { backupId: lastBackupId, level: "full-restore", triggeredBy: "bench", scratch }),
        "createdb + pg_restore -j 2 + same checks + dropdb": () => bareRestore((db) => must(pgRestore.path, ["-j", "2", "--no-owner", "-d", db, bareFc], scratchEnv)),
        "gunzip | psql --single-transaction": () =>
          bareRestore((db) => sh(`gunzip -c "${bareGz}" | "${psql.path}" -q -X --single-transaction -v ON_ERROR_STOP=1 -o /dev/null -d "${db}"`, scratchEnv)),
      },
      ROUNDS,
    );

    // 3. header-only
    const headerTimes = await interleaved(
      {
        "pgproof verify --level header-only": () => runVerification(ctx, { backupId: lastBackupId, level: "header-only", triggeredBy: "bench" }),
        "sha256sum + pg_restore -l": () => sh(`sha256sum "${bareFc}" > /dev/null && "${pgRestore.path}" -l "${bareFc}" > /dev/null`, {}),
      },
      ROUNDS,
    );

    // 4. peak memory of the pgproof process at two scales ten times apart
    const memory: Array<{ scale: number; dbSize: string; rssMb: number }> = [];
    for (const scale of [Math.max(1, Math.round(SCALE / 10)), SCALE]) {
      const db = scale === SCALE ? source : await setup(`bench_small`, scale);
      const env = { ...process.env, PGPROOF_CATALOG_URL: toConnectionString(catalogTarget), PGPROOF_SCRATCH_URL: toConnectionString(scratch), PGPROOF_STORAGE: storageDir, PGPROOF_HOME: join(root, "cli-home") };
      const out = await runProcess("/usr/bin/time", ["-f", "%M", process.execPath, CLI, "backup", "--source", toConnectionString(db), "--json"], { env, stderrLimit: 1 << 16 });
      if (out.code !== 0) throw new Error(`CLI backup failed: ${out.stderr}`);
      const rssKb = Number(out.stderr.trim().split("\n").at(-1));
      const dbSize = (await withClient(db, (c) => c.query<{ s: string }>("SELECT pg_size_pretty(pg_database_size(current_database())) AS s"))).rows[0]!.s;
      memory.push({ scale, dbSize, rssMb: Math.round(rssKb / 1024) });
    }

    // 5. API latency of listing backups with many backups in the catalog
    const apiCount = Number(args["api-backups"]);
    await catalog.pool.query(
      `INSERT INTO backups (id, source_host, source_port, source_database, source_user, status, finished_at, error, created_at)
       SELECT gen_random_uuid(), 'h', 5432, 'd', 'u', 'failed', now(), 'bench row', now() - make_interval(secs => i) FROM generate_series(1, $1) i`,
      [apiCount],
    );
    const api = await apiLatency(catalogTarget, storageDir, scratch, root);

    const cell = (text: string) => text.replaceAll("|", "\\|");
    // 6. throughput of scheduled work: many small sources due at once, two workers
    const throughput = await scheduledThroughput(admin, catalogTarget, storageDir, scratch, root, Number(args.sources));

    const row = (name: string, times: number[], base: number[]) => `| ${cell(name)} | ${(median(times) / 1000).toFixed(2)} s | ${(median(times) / median(base)).toFixed(2)}x |`;
    const section = (title: string, times: Record<string, number[]>, baseName: string) => [
      `### ${title}`,
      "",
      `| run | median | vs ${cell(baseName)} |`,
      "|---|---|---|",
      ...Object.entries(times).map(([name, t]) => row(name, t, times[baseName]!)),
      "",
    ];
    const dumpBytes = (await stat(bareFc)).size;
    lines.push(
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${pgDump.path} ${pgDump.version}.`,
      `Source: pgbench scale ${SCALE} plus the rich demo schema (${size}; dump ${(dumpBytes / 2 ** 20).toFixed(1)} MiB). ${ROUNDS} interleaved rounds; medians.`,
      "",
      ...section("1. Backup", backupTimes, "pg_dump -Fc"),
      ...section("2. Verify: full restore", restoreTimes, "createdb + pg_restore -j 2 + same checks + dropdb"),
      ...section("3. Verify: header only", headerTimes, "sha256sum + pg_restore -l"),
      "### 4. Peak memory of the pgproof process (CLI backup)",
      "",
      "| pgbench scale | database size | peak RSS |",
      "|---|---|---|",
      ...memory.map((m) => `| ${m.scale} | ${m.dbSize} | ${m.rssMb} MB |`),
      "",
      `### 5. API: GET /api/v1/backups?limit=50 with ${apiCount} backups in the catalog (${api.requests} requests)`,
      "",
      `p50 ${api.p50.toFixed(1)} ms, p99 ${api.p99.toFixed(1)} ms`,
      "",
      `### 6. Scheduled work: ${throughput.sources} small sources due at once, two workers`,
      "",
      `all backed up and verified (full-restore) in ${(throughput.ms / 1000).toFixed(1)} s: ${throughput.perMinute.toFixed(1)} verified backups per minute`,
      "",
    );
    await catalog.close();
  } finally {
    await sourceCluster.stop();
    await homeCluster.stop();
    await rm(root, { recursive: true, force: true });
  }
  const text = lines.join("\n");
  process.stdout.write(text + "\n");
  if (args.out) await writeFile(args.out, text + "\n");
}

/** Starts the real service in a child process and measures listing latency over HTTP. */
async function apiLatency(catalogTarget: ConnectionTarget, storageDir: string, scratch: ConnectionTarget, root: string): Promise<{ p50: number; p99: number; requests: number }> {

  const token = "pgp_bench_token_0123456789";
  const server = startProcess(process.execPath, [CLI, "serve", "--port", "0"], {
    env: { ...process.env, PGPROOF_CATALOG_URL: toConnectionString(catalogTarget), PGPROOF_SCRATCH_URL: toConnectionString(scratch), PGPROOF_STORAGE: storageDir, PGPROOF_HOME: join(root, "svc-home"), PGPROOF_ADMIN_TOKEN: token, PGPROOF_LOG_LEVEL: "warn" },
  });
  let output = "";
  server.stdout.setEncoding("utf8");
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout.on("data", (chunk: string) => {
      output += chunk;
      const match = /serving (http:\/\/\S+) /.exec(output);
      if (match) resolve(match[1]!);
    });
    void server.done.then((e) => reject(new Error(`server exited: ${e.stderr}`)));
  });
  const times: number[] = [];
  try {
    for (let i = 0; i < 220; i += 1) {
      const started = performance.now();
      const response = await fetch(`${url}/api/v1/backups?limit=50`, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      if (i >= 20) times.push(performance.now() - started); // the first requests warm up the process
    }
  } finally {
    server.child.kill("SIGINT");
    await server.done;
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), requests: times.length };
}

/** Registers `count` small sources with a window already due, starts two workers, and times until every backup is verified. */
async function scheduledThroughput(server: ConnectionTarget, catalogTarget: ConnectionTarget, storageDir: string, scratch: ConnectionTarget, root: string, count: number) {
  const secret = randomBytes(32);
  const sealer = new Sealer(secret);
  const catalog = await Catalog.open(catalogTarget);
  try {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const name = `small_${i}`;
      await withClient(server, (c) => c.query(`CREATE DATABASE ${name}`));
      await withClient(withDatabase(server, name), (c) => c.query(demoSchemaSql(1)));
      const source = await insertSource(catalog.pool, sealer, {
        name, url: toConnectionString(withDatabase(server, name)), schedule: "0 0 1 1 *", timezone: "UTC", retentionDays: null, keepLast: null,
        verifyLevel: "full-restore", paused: false, rtoSeconds: null, gfsDaily: null, gfsWeekly: null, gfsMonthly: null,
      });
      ids.push(source.id);
    }
    await catalog.pool.query("UPDATE sources SET schedule_since = '2000-01-01' WHERE id = ANY($1::uuid[])", [ids]);
    const env = {
      ...process.env, PGPROOF_CATALOG_URL: toConnectionString(catalogTarget), PGPROOF_SCRATCH_URL: toConnectionString(scratch), PGPROOF_STORAGE: storageDir,
      PGPROOF_HOME: join(root, "worker-home"), PGPROOF_SECRET_KEY: secret.toString("base64"), PGPROOF_SCHEDULER_INTERVAL_MS: "500", PGPROOF_LOG_LEVEL: "warn",
    };
    const started = performance.now();
    const workers = [0, 1].map(() => startProcess(process.execPath, [CLI, "worker"], { env }));
    try {
      for (;;) {
        const { rows } = await catalog.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM backups WHERE source_id = ANY($1::uuid[]) AND status IN ('verified', 'failed')", [ids]);
        if (rows[0]!.n >= count) break;
        if (performance.now() - started > 600_000) throw new Error("scheduled work did not finish in 10 minutes");
        await new Promise((r) => setTimeout(r, 100));
      }
      const ms = performance.now() - started;
      return { sources: count, ms, perMinute: count / (ms / 60_000) };
    } finally {
      for (const worker of workers) worker.child.kill("SIGINT");
      await Promise.all(workers.map((w) => w.done));
    }
  } finally {
    await catalog.close();
  }
}

await main();
