import { InvalidInput } from "../../domain/errors.ts";
import { runBackup } from "../../engine/backup.ts";
import { parseConnectionUrl } from "../../postgres/connection.ts";
import type { CommandEnv } from "../command-runner.ts";
import { backupJson, printJson } from "../output.ts";
import { formatBytes, startProgress } from "../progress.ts";

export async function backupCommand(env: CommandEnv, sourceUrl: string | undefined): Promise<number> {
  if (!sourceUrl) throw new InvalidInput("--source is required (or set PGPROOF_SOURCE_URL)", ["source"]);
  const source = parseConnectionUrl(sourceUrl, "--source");
  const progress = env.json ? undefined : startProgress("dumping");
  try {
    const backup = await runBackup(env.runtime.ctx, { source, signal: env.signal, onProgress: progress?.update });
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
