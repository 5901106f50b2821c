import type { Backup, Verification } from "../domain/backup.ts";
import { VERIFIABLE_STATUSES, deeperLevel, type VerifyLevel } from "../domain/enums.ts";
import { BackupInvalidState, Cancelled, InvalidInput, ScratchUnsafe, toPgproofError, type PgproofError } from "../domain/errors.ts";
import { failBackup, getBackup, markVerified } from "../catalog/backups.ts";
import type { Queryable } from "../catalog/catalog.ts";
import { claimVerification, finishVerification, startVerification } from "../catalog/verifications.ts";
import { clientFor } from "../postgres/client-tools.ts";
import { identityTarget, sameDatabase, type ConnectionTarget } from "../postgres/connection.ts";
import { redact, redactError } from "../support/redact.ts";
import type { EngineContext } from "./context.ts";
import { verifyFullRestore } from "./verify-full-restore.ts";
import { ProgressRecorder } from "./progress-recorder.ts";
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

export function asCompleted(backup: Backup): CompletedBackup {
  if (!(VERIFIABLE_STATUSES as readonly string[]).includes(backup.status) || !backup.manifest || !backup.storageKey || backup.sizeBytes === null || !backup.sha256) {
    throw new BackupInvalidState(`backup ${backup.id} is ${backup.status}; only ${VERIFIABLE_STATUSES.join(" or ")} backups can be verified`);
  }
  return backup as CompletedBackup;
}

/** Refuses a scratch server that is the source's or the catalog's database. */
async function assertScratchSafe(ctx: EngineContext, backup: Backup, scratch: ConnectionTarget): Promise<void> {
  if (await sameDatabase(scratch, identityTarget(backup.source))) throw new ScratchUnsafe(`the scratch server resolves to the backup's source database ${backup.source.host}:${backup.source.port}/${backup.source.database}; refusing to restore there`);
  if (await sameDatabase(scratch, ctx.catalog.target)) throw new ScratchUnsafe("the scratch server resolves to pgproof's catalog database; refusing to restore there");
}

/**
 * Checks that the backup can be verified at this level and records a `running` verification.
 * Throws (and records nothing) for an unknown backup, a wrong state or an unsafe scratch server.
 */
export async function startVerificationRun(
  ctx: EngineContext,
  request: Pick<VerifyRequest, "backupId" | "level" | "triggeredBy" | "scratch">,
  db: Queryable = ctx.catalog.pool,
): Promise<Verification> {
  const backup = asCompleted(await getBackup(db, request.backupId));
  if (request.level === "full-restore") {
    if (!request.scratch) throw new InvalidInput("full-restore verification needs a scratch server", ["scratch"]);
    await assertScratchSafe(ctx, backup, request.scratch);
  }
  return startVerification(db, { backupId: backup.id, level: request.level, triggeredBy: request.triggeredBy });
}

/**
 * Performs a recorded verification. A run that proves the backup bad marks it failed; a run that
 * could not do its work is recorded as `error` and leaves the backup as it was.
 */
export async function executeVerification(
  ctx: EngineContext,
  running: Verification,
  options: Pick<VerifyRequest, "scratch" | "signal" | "onProgress"> & { workerId?: string },
): Promise<VerifyOutcome> {
  if (options.workerId) await claimVerification(ctx.catalog.pool, running.id, options.workerId);
  const secrets = options.scratch?.password ? [options.scratch.password] : [];
  const fail = async (thrown: unknown): Promise<VerifyOutcome> => {
    const error = options.signal?.aborted ? new Cancelled("verification cancelled") : toPgproofError(thrown);
    ctx.logger.error({ backupId: running.backupId, level: running.level, err: redactError(thrown, secrets) }, "verification could not run");
    const verification = await finishVerification(ctx.catalog.pool, running.id, { status: "error", message: redact(error.message, secrets), evidence: null });
    return { backup: await getBackup(ctx.catalog.pool, running.backupId), verification, error };
  };

  let result: LevelResult;
  const progress = new ProgressRecorder(ctx.catalog.pool, "verifications", running.id);
  try {
    // The backup may have changed since the run was recorded (a queued run starts later).
    const backup = asCompleted(await getBackup(ctx.catalog.pool, running.backupId));
    const pgRestore = await clientFor("pg_restore", Number.parseInt(backup.pgDumpVersion ?? "0", 10), ctx.binDirs);
    const onProgress = (bytes: number) => {
      progress.record(bytes);
      options.onProgress?.(bytes);
    };
    const levelOptions = { signal: options.signal, onProgress, keyring: ctx.keyring };
    const storage = ctx.storages.at(backup.storageLocation);
    if (running.level === "full-restore") {
      if (!options.scratch) throw new InvalidInput("full-restore verification needs a scratch server", ["scratch"]);
      await assertScratchSafe(ctx, backup, options.scratch);
      result = await verifyFullRestore(storage, backup, pgRestore, options.scratch, levelOptions);
    } else {
      result = await verifyHeader(storage, backup, pgRestore, levelOptions);
    }
  } catch (thrown) {
    await progress.flush();
    return fail(thrown);
  }
  await progress.flush();

  return ctx.catalog.transaction(async (tx) => {
    const message = redact(result.message, secrets);
    const verification = await finishVerification(tx, running.id, { status: result.passed ? "passed" : "failed", message, evidence: result.evidence });
    const current = await getBackup(tx, running.backupId, { forUpdate: true });
    // Someone else may have failed the backup meanwhile; the run is still recorded.
    if (!(VERIFIABLE_STATUSES as readonly string[]).includes(current.status)) return { backup: current, verification };
    const updated = result.passed
      ? await markVerified(tx, current.id, { verify_level: deeperLevel(current.verifyLevel, running.level), verified_at: new Date() })
      : await failBackup(tx, current.id, `${running.level} verification failed: ${message}`, { verify_level: running.level });
    return { backup: updated, verification };
  });
}

/** Verifies a backup at one level now, recording the run. */
export async function runVerification(ctx: EngineContext, request: VerifyRequest): Promise<VerifyOutcome> {
  const running = await startVerificationRun(ctx, request);
  return executeVerification(ctx, running, request);
}
