import { createDemoDatabase } from "../../app/demo-database.ts";
import { ClusterFailure } from "../../domain/errors.ts";
import { runBackup } from "../../engine/backup.ts";
import { runVerification } from "../../engine/verify.ts";
import type { CommandEnv } from "../command-runner.ts";
import { EXIT, exitCodeFor } from "../exit-codes.ts";
import { parseConnectionUrl } from "../../postgres/connection.ts";

export const DEMO_DATABASE = "pgproof_demo";

/** First run: protect a demo database (or PGPROOF_SOURCE_URL), back it up and prove it restores. */
export async function demoCommand(env: CommandEnv, options: { scale: string; sourceUrl?: string }): Promise<number> {
  const say = (line: string) => process.stderr.write(line + "\n");
  let source;
  if (options.sourceUrl) source = parseConnectionUrl(options.sourceUrl, "PGPROOF_SOURCE_URL");
  else {
    const embedded = env.runtime.embedded;
    if (!embedded) throw new ClusterFailure("the demo database lives in the embedded cluster; unset PGPROOF_CATALOG_URL and PGPROOF_SCRATCH_URL or set PGPROOF_SOURCE_URL");
    const { created } = await createDemoDatabase(embedded.target(), DEMO_DATABASE, Number(options.scale) || 1);
    say(created ? `created demo database ${DEMO_DATABASE} in the embedded cluster (port ${embedded.port})` : `using demo database ${DEMO_DATABASE}`);
    source = embedded.target(DEMO_DATABASE);
  }
  const backup = await runBackup(env.runtime.ctx, { source, signal: env.signal });
  say(`backup ${backup.id}: ${backup.sizeBytes} bytes, sha256 ${backup.sha256}`);
  const outcome = await runVerification(env.runtime.ctx, {
    backupId: backup.id,
    level: "full-restore",
    triggeredBy: env.actor,
    scratch: env.runtime.scratch,
    signal: env.signal,
  });
  say(`${outcome.verification.status === "passed" ? "verified (full-restore)" : outcome.verification.status}: ${outcome.verification.message}`);
  say(`artifacts in ${env.config.storageDir}; list them with: npx pgproof list`);
  if (outcome.error) return exitCodeFor(outcome.error);
  return outcome.verification.status === "passed" ? EXIT.ok : EXIT.verificationFailed;
}
