import { BackupId } from "../../domain/backup.ts";
import type { VerifyLevel } from "../../domain/enums.ts";
import { InvalidInput } from "../../domain/errors.ts";
import { getBackup } from "../../catalog/backups.ts";
import { runVerification } from "../../engine/verify.ts";
import type { CommandEnv } from "../command-runner.ts";
import { EXIT, exitCodeFor } from "../exit-codes.ts";
import { printJson, verificationJson } from "../output.ts";
import { startProgress } from "../progress.ts";

export function parseBackupId(raw: string): string {
  const parsed = BackupId.safeParse(raw);
  if (!parsed.success) throw new InvalidInput(`backup id ${JSON.stringify(raw)} is not a UUID`, ["backupId"]);
  return parsed.data;
}

export async function verifyCommand(env: CommandEnv, rawId: string, level: VerifyLevel): Promise<number> {
  const backupId = parseBackupId(rawId);
  const backup = await getBackup(env.runtime.ctx.catalog.pool, backupId);
  const progress = env.json ? undefined : startProgress(level === "full-restore" ? "restoring" : "reading", backup.sizeBytes ?? undefined);
  let outcome;
  try {
    outcome = await runVerification(env.runtime.ctx, {
      backupId,
      level,
      triggeredBy: env.actor,
      scratch: env.runtime.scratch,
      signal: env.signal,
      onProgress: progress?.update,
    });
  } finally {
    progress?.stop();
  }
  const json = verificationJson(outcome.verification);
  if (env.json) printJson(json);
  else {
    const verdict = json.verified ? "VERIFIED" : outcome.error ? "COULD NOT VERIFY" : "VERIFICATION FAILED";
    process.stdout.write(`${verdict} (${level}) backup ${backupId}: ${json.message}\n`);
    for (const m of json.evidence?.mismatches ?? []) process.stdout.write(`  ${m.kind}: ${m.table} expected ${m.expected ?? "-"} got ${m.actual ?? "-"}\n`);
  }
  if (outcome.error) return exitCodeFor(outcome.error);
  return json.verified ? EXIT.ok : EXIT.verificationFailed;
}
