import { createDemoDatabase } from "../../app/demo-database.ts";
import { startService } from "../../app/service.ts";
import { Sealer } from "../../support/sealing.ts";
import { loadSecretKey } from "../../app/secret-key.ts";
import { insertSource, listSources, sourceConnection, updateSource, type Source } from "../../catalog/sources.ts";
import { listBackupsPage } from "../../catalog/backups.ts";
import { ClusterFailure, InvalidInput } from "../../domain/errors.ts";
import { runBackup } from "../../engine/backup.ts";
import { runVerification } from "../../engine/verify.ts";
import { describeTarget, parseConnectionUrl, toConnectionString } from "../../postgres/connection.ts";
import { untilInterrupted, type CommandEnv } from "../command-runner.ts";
import { formatBytes } from "../progress.ts";

export const DEMO_DATABASE = "pgproof_demo";
const DEMO_SCHEDULE = "0 * * * *";

/**
 * First run on the embedded default: protect a demo database (or PGPROOF_SOURCE_URL), prove a first
 * backup by a full restore, then serve the console and API until Ctrl-C. A second start reuses it all.
 */
export async function startCommand(env: CommandEnv, options: { host: string; port: string; demoScale: string; sourceUrl?: string }): Promise<number> {
  const say = (line: string) => process.stdout.write(line + "\n");
  const { ctx } = env.runtime;
  const sealer = new Sealer(await loadSecretKey(env.config));
  const scale = Number(options.demoScale);
  if (!Number.isInteger(scale) || scale < 1 || scale > 2000) throw new InvalidInput("--demo-scale must be a whole number from 1 to 2000", ["demoScale"]);

  let url: string;
  let name: string;
  if (options.sourceUrl) {
    const target = parseConnectionUrl(options.sourceUrl, "PGPROOF_SOURCE_URL");
    url = options.sourceUrl;
    name = target.database;
  } else {
    const embedded = env.runtime.embedded;
    if (!embedded) throw new ClusterFailure("the demo database lives in the embedded cluster; unset PGPROOF_CATALOG_URL and PGPROOF_SCRATCH_URL, or set PGPROOF_SOURCE_URL");
    const { created } = await createDemoDatabase(embedded.target(), DEMO_DATABASE, scale);
    if (created) say(`created the demo database ${DEMO_DATABASE} (scale ${scale}) in the embedded PostgreSQL cluster`);
    url = toConnectionString(embedded.target(DEMO_DATABASE));
    name = "demo";
  }

  let source: Source | undefined = (await listSources(ctx.catalog.pool)).find((s) => s.name === name);
  const wanted = parseConnectionUrl(url);
  if (source && (source.host !== wanted.host || source.port !== wanted.port)) {
    // The embedded cluster came up on another port (the old one was taken).
    source = await updateSource(ctx.catalog.pool, sealer, source.id, { url });
  }
  if (!source) {
    source = await insertSource(ctx.catalog.pool, sealer, {
      name, url, schedule: DEMO_SCHEDULE, timezone: "UTC", retentionDays: 7, keepLast: 24, verifyLevel: "full-restore", paused: false,
      rtoSeconds: null, gfsDaily: null, gfsWeekly: null, gfsMonthly: null,
    });
    say(`registered source "${name}" (${describeTarget(source)}), backed up every hour and verified by a full restore`);
  }

  const verified = await listBackupsPage(ctx.catalog.pool, { sourceId: source.id, status: "verified", limit: 1 });
  if (!verified.items.length) {
    const backup = await runBackup(ctx, { source: await sourceConnection(ctx.catalog.pool, sealer, source.id), sourceId: source.id, signal: env.signal });
    say(`backed it up: ${formatBytes(backup.sizeBytes ?? 0)}, ${backup.manifest?.tables.length} tables, sha256 ${backup.sha256?.slice(0, 16)}…`);
    const outcome = await runVerification(ctx, { backupId: backup.id, level: "full-restore", triggeredBy: "first start", scratch: env.runtime.scratch, signal: env.signal });
    say(`${outcome.verification.status === "passed" ? "proved it restores" : `verification ${outcome.verification.status}`}: ${outcome.verification.message}`);
  } else {
    say(`source "${name}" already has a verified backup; nothing to redo`);
  }

  await using service = await startService(env.runtime, env.config, env.logger, { host: options.host, port: Number(options.port), api: true });
  say(`\npgproof is serving ${service.url}  (console; API under /api/v1; health at /api/health)`);
  if (service.newAdminToken) say(`admin token (shown once, also saved in ${service.adminTokenFile}):\n  ${service.newAdminToken}`);
  else say(`admin token: in ${service.adminTokenFile}`);
  say("Ctrl-C stops pgproof and its embedded PostgreSQL.");
  await untilInterrupted(env.signal);
  say("stopping…");
  return 0;
}
