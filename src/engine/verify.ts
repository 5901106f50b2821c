import type { Backup, Verification } from "../domain/backup.ts";
import { VERIFIABLE_STATUSES, deeperLevel, type VerifyLevel } from "../domain/enums.ts";
import { BackupInvalidState, Cancelled, InvalidInput, ScratchUnsafe, toPgproofError, type PgproofError } from "../domain/errors.ts";
import { failBackup, getBackup, markVerified } from "../catalog/backups.ts";
import { finishVerification, startVerification } from "../catalog/verifications.ts";
import { clientFor } from "../postgres/client-tools.ts";
import { sameDatabase, type ConnectionTarget } from "../postgres/connection.ts";
import { redact, redactError } from "../support/redact.ts";
import type { EngineContext } from "./context.ts";
import { verifyFullRestore } from "./verify-full-restore.ts";
import { verifyHeader, type CompletedBackup, type LevelResult } from "./verify-header.ts";

export interface VerifyRequest {
  backupId: string;
  level: VerifyLevel;
  triggeredBy: string;
  /** Maintenance connection to the scratch server; required for full-restore. */
  scratch?: ConnectionTarget;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number) => void;
}

export interface VerifyOutcome {
  backup: Backup;
  verification: Verification;
  /** Set when the run could not do its work; the backup's status is then unchanged. */
  error?: PgproofError;
}

function asCompleted(backup: Backup): CompletedBackup {
  if (!(VERIFIABLE_STATUSES as readonly string[]).includes(backup.status) || !backup.manifest || !backup.storageKey || backup.sizeBytes === null || !backup.sha256) {
    throw new BackupInvalidState(`backup ${backup.id} is ${backup.status}; only ${VERIFIABLE_STATUSES.join(" or ")} backups can be verified`);
  }
  return backup as CompletedBackup;
}

/** Refuses a scratch server that is the source's or the catalog's database. */
async function assertScratchSafe(ctx: EngineContext, backup: Backup, scratch: ConnectionTarget): Promise<void> {
  const source = { ...backup.source, password: undefined, params: {} };
  if (await sameDatabase(scratch, source)) throw new ScratchUnsafe(`the scratch server resolves to the backup's source database ${backup.source.host}:${backup.source.port}/${backup.source.database}; refusing to restore there`);
  if (await sameDatabase(scratch, ctx.catalog.target)) throw new ScratchUnsafe("the scratch server resolves to pgproof's catalog database; refusing to restore there");
}

/**
 * Verifies a backup at one level and records the run. A run that proves the backup bad marks it
 * failed; a run that could not do its work is recorded as `error` and leaves the backup as it was.
 */
export async function runVerification(ctx: EngineContext, request: VerifyRequest): Promise<VerifyOutcome> {
  const backup = asCompleted(await getBackup(ctx.catalog.pool, request.backupId));
  if (request.level === "full-restore") {
    if (!request.scratch) throw new InvalidInput("full-restore verification needs a scratch server", ["scratch"]);
    await assertScratchSafe(ctx, backup, request.scratch);
  }
  const secrets = request.scratch?.password ? [request.scratch.password] : [];
  const running = await startVerification(ctx.catalog.pool, { backupId: backup.id, level: request.level, triggeredBy: request.triggeredBy });

  let result: LevelResult;
  try {
    const pgRestore = await clientFor("pg_restore", Number.parseInt(backup.pgDumpVersion ?? "0", 10), ctx.binDirs);
    const options = { signal: request.signal, onProgress: request.onProgress };
    result =
      request.level === "full-restore"
        ? await verifyFullRestore(ctx.storage, backup, pgRestore, request.scratch!, options)
        : await verifyHeader(ctx.storage, backup, pgRestore, options);
  } catch (thrown) {
    const error = request.signal?.aborted ? new Cancelled("verification cancelled") : toPgproofError(thrown);
    ctx.logger.error({ backupId: backup.id, level: request.level, err: redactError(thrown, secrets) }, "verification could not run");
    const verification = await finishVerification(ctx.catalog.pool, running.id, { status: "error", message: redact(error.message, secrets), evidence: null });
    return { backup, verification, error };
  }

  return ctx.catalog.transaction(async (tx) => {
    const message = redact(result.message, secrets);
    const verification = await finishVerification(tx, running.id, { status: result.passed ? "passed" : "failed", message, evidence: result.evidence });
    const current = await getBackup(tx, backup.id, { forUpdate: true });
    // Someone else may have failed the backup meanwhile; the run is still recorded.
    if (!(VERIFIABLE_STATUSES as readonly string[]).includes(current.status)) return { backup: current, verification };
    const updated = result.passed
      ? await markVerified(tx, backup.id, { verify_level: deeperLevel(current.verifyLevel, request.level), verified_at: new Date() })
      : await failBackup(tx, backup.id, `${request.level} verification failed: ${message}`, { verify_level: request.level });
    return { backup: updated, verification };
  });
}
