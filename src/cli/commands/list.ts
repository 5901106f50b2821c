import { listBackups } from "../../catalog/backups.ts";
import { BackupStatusSchema } from "../../domain/backup.ts";
import { InvalidInput } from "../../domain/errors.ts";
import type { CommandEnv } from "../command-runner.ts";
import { backupJson, printJson } from "../output.ts";
import { formatBytes } from "../progress.ts";

export async function listCommand(env: CommandEnv, options: { limit: string; status?: string }): Promise<number> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new InvalidInput("--limit must be a whole number from 1 to 10000", ["limit"]);
  const status = options.status === undefined ? undefined : BackupStatusSchema.safeParse(options.status);
  if (status && !status.success) throw new InvalidInput(`--status must be one of ${BackupStatusSchema.options.join(", ")}`, ["status"]);
  const backups = await listBackups(env.runtime.ctx.catalog.pool, { limit, status: status?.data });
  if (env.json) {
    printJson({ backups: backups.map(backupJson) });
    return 0;
  }
  if (!backups.length) process.stdout.write("no backups\n");
  for (const b of backups) {
    const level = b.verifyLevel ? ` (${b.verifyLevel})` : "";
    process.stdout.write(
      `${b.id}  ${b.createdAt.toISOString()}  ${b.source.database}@${b.source.host}:${b.source.port}  ${b.status}${level}  ${formatBytes(b.sizeBytes ?? 0)}${b.error ? `  ${b.error}` : ""}\n`,
    );
  }
  return 0;
}
