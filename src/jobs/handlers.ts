import { recordAudit } from "../catalog/audit.ts";
import { getBackup } from "../catalog/backups.ts";
import { configuredScratch, getSettings } from "../catalog/settings.ts";
import { finishRestore, getRestore, markRestoreRunning, recordSafetyBackup, restoreTarget } from "../catalog/restores.ts";
import { sourceConnection } from "../catalog/sources.ts";
import { getVerification } from "../catalog/verifications.ts";
import type { Backup } from "../domain/backup.ts";
import type { VerifyLevel } from "../domain/enums.ts";
import { toPgproofError, type ErrorTag } from "../domain/errors.ts";
import { runBackup } from "../engine/backup.ts";
import type { EngineContext } from "../engine/context.ts";
import { runRestore } from "../engine/restore.ts";
import { executeVerification, startVerificationRun } from "../engine/verify.ts";
import type { ConnectionTarget } from "../postgres/connection.ts";
import { redact } from "../support/redact.ts";
import type { Sealer } from "../support/sealing.ts";
import type { JobHandlers, JobQueue } from "./queue.ts";
import { deliver, notify } from "./webhooks.ts";

export interface WorkerDeps {
  ctx: EngineContext;
  sealer: Sealer;
  queue: JobQueue;
  /** The process's scratch server; a scratch server saved in the settings takes precedence. */
  defaultScratch: ConnectionTarget;
  webhookUrls: readonly string[];
  /** This process's heartbeat identity. */
  workerId: string;
}

/** Failures worth another attempt: the next one may well succeed. */
const TRANSIENT: ReadonlySet<ErrorTag> = new Set(["SourceUnreachable", "StorageFailure"]);

export async function scratchServer(deps: Pick<WorkerDeps, "ctx" | "sealer" | "defaultScratch">): Promise<ConnectionTarget> {
  return (await configuredScratch(deps.ctx.catalog.pool, deps.sealer)) ?? deps.defaultScratch;
}

function backupEvent(backup: Backup) {
  return { backup: { id: backup.id, status: backup.status, error: backup.error, createdAt: backup.createdAt.toISOString() }, source: { id: backup.sourceId, ...backup.source } };
}

/** Starts the verification a scheduled backup is owed, as its own job. */
async function queueVerification(deps: WorkerDeps, backupId: string, level: VerifyLevel): Promise<void> {
  const scratch = await scratchServer(deps);
  await deps.ctx.catalog.transaction(async (tx) => {
    const verification = await startVerificationRun(deps.ctx, { backupId, level, triggeredBy: "schedule", scratch }, tx);
    await deps.queue.enqueue("verify", { verificationId: verification.id }, tx);
  });
}

/** What a worker does with each kind of job. Outcomes are recorded on the rows; only transient failures make a job fail (and retry). */
export function jobHandlers(deps: WorkerDeps): JobHandlers {
  const { ctx, sealer } = deps;
  const db = ctx.catalog.pool;
  return {
    async backup({ data, finalAttempt }) {
      const queued = await getBackup(db, data.backupId).catch(() => undefined);
      // Reaped as lost, deleted, or finished by an earlier delivery of this job.
      if (queued?.status !== "in_progress") return;
      try {
        const source = await sourceConnection(db, sealer, data.sourceId);
        const { storagePrefix } = await getSettings(db);
        const backup = await runBackup(ctx, {
          source,
          sourceId: data.sourceId,
          backupId: data.backupId,
          keyPrefix: storagePrefix,
          workerId: deps.workerId,
          willRetry: (error) => !finalAttempt && TRANSIENT.has(error._tag),
        });
        if (data.verifyLevel) await queueVerification(deps, backup.id, data.verifyLevel);
      } catch (thrown) {
        const error = toPgproofError(thrown);
        if (!finalAttempt && TRANSIENT.has(error._tag)) throw error;
        const backup = await getBackup(db, data.backupId).catch(() => undefined);
        if (backup?.status === "failed") await notify(deps.queue, deps.webhookUrls, "backup.failed", backupEvent(backup));
      }
    },

    async verify({ data }) {
      const verification = await getVerification(db, data.verificationId);
      if (verification.status !== "running") return;
      const outcome = await executeVerification(ctx, verification, { scratch: await scratchServer(deps), workerId: deps.workerId });
      if (outcome.verification.status === "failed") {
        await notify(deps.queue, deps.webhookUrls, "verification.failed", {
          ...backupEvent(outcome.backup),
          verification: { id: outcome.verification.id, level: outcome.verification.level, message: outcome.verification.message },
        });
      }
    },

    async restore({ data }) {
      const { restoreId } = data;
      const restore = await markRestoreRunning(db, restoreId, deps.workerId);
      try {
        const target = await restoreTarget(db, sealer, restoreId);
        const result = await runRestore(ctx, {
          backupId: restore.backupId,
          target,
          createsDatabase: restore.createsDatabase,
          workerId: deps.workerId,
          onSafetyBackup: (safetyBackupId) => recordSafetyBackup(db, restoreId, safetyBackupId),
        });
        await finishRestore(db, restoreId, { status: "succeeded", message: result.message });
        await recordAudit(db, { actor: restore.requestedBy, action: "restore.finish", targetType: "restore", targetId: restoreId, outcome: "ok", details: { backupId: restore.backupId, target: restore.target, safetyBackupId: result.safetyBackupId } });
      } catch (thrown) {
        const reason = redact(toPgproofError(thrown).message);
        const current = await getRestore(db, restoreId);
        const safety = current.safetyBackupId ? ` The target's previous contents are in safety backup ${current.safetyBackupId}.` : "";
        await finishRestore(db, restoreId, { status: "failed", message: reason + safety });
        await recordAudit(db, { actor: restore.requestedBy, action: "restore.finish", targetType: "restore", targetId: restoreId, outcome: "failed", details: { backupId: restore.backupId, target: restore.target, reason } });
      }
    },

    async webhook({ data }) {
      await deliver(data.url, data.payload);
    },
  };
}
