import { InvalidInput } from "../../domain/errors.ts";
import { runBackup } from "../../engine/backup.ts";
import { Heartbeat } from "../../jobs/workers.ts";
import { parseConnectionUrl } from "../../postgres/connection.ts";
import type { CommandEnv } from "../command-runner.ts";
import { backupJson, printJson } from "../output.ts";
import { formatBytes, startProgress } from "../progress.ts";

export async function backupCommand(env: CommandEnv, sourceUrl: string | undefined): Promise<number> {
  if (!sourceUrl) throw new InvalidInput("--source is required (or set PGPROOF_SOURCE_URL)", ["source"]);
  const source = parseConnectionUrl(sourceUrl, "--source");
  const progress = env.json ? undefined : startProgress("dumping");
  // With a heartbeat, a backup whose CLI is killed is found and failed by any worker, its partial artifact removed.
  await using heartbeat = await Heartbeat.start(env.runtime.ctx.catalog, Math.max(250, Math.floor(env.config.leaseMs / 4)));
  try {
    const backup = await runBackup(env.runtime.ctx, { source, signal: env.signal, onProgress: progress?.update, workerId: heartbeat.id });
    progress?.stop();
    if (env.json) printJson(backupJson(backup));
    else {
      const totals = backupJson(backup).manifest;
      process.stdout.write(
        `backup ${backup.id} ${backup.status}: ${formatBytes(backup.sizeBytes ?? 0)}, ${totals?.tableCount} tables, ${totals?.rowCount} rows, sha256 ${backup.sha256}\n`,
      );
    }
    return 0;
  } finally {
    progress?.stop();
  }
}
