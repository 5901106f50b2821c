import { recordAudit } from "../catalog/audit.ts";
import { configuredScratch, getSettings } from "../catalog/settings.ts";
import { finishRestore, getRestore, markRestoreRunning, recordSafetyBackup, restoreTarget } from "../catalog/restores.ts";
import { sourceConnection } from "../catalog/sources.ts";
import { getVerification } from "../catalog/verifications.ts";
import { toPgproofError } from "../domain/errors.ts";
import { runBackup } from "../engine/backup.ts";
import type { EngineContext } from "../engine/context.ts";
import { runRestore } from "../engine/restore.ts";
import { executeVerification } from "../engine/verify.ts";
import type { ConnectionTarget } from "../postgres/connection.ts";
import { redact } from "../support/redact.ts";
import type { Sealer } from "../support/sealing.ts";
import type { JobHandlers } from "./queue.ts";

export interface WorkerDeps {
  ctx: EngineContext;
  sealer: Sealer;
  /** The process's scratch server; a scratch server saved in the settings takes precedence. */
  defaultScratch: ConnectionTarget;
}

export async function scratchServer(deps: WorkerDeps): Promise<ConnectionTarget> {
  return (await configuredScratch(deps.ctx.catalog.pool, deps.sealer)) ?? deps.defaultScratch;
}

/** What a worker does with each kind of job. Outcomes are recorded on the rows; jobs themselves do not fail. */
export function jobHandlers(deps: WorkerDeps): JobHandlers {
  const { ctx, sealer } = deps;
  const db = ctx.catalog.pool;
  return {
    async backup({ backupId, sourceId }) {
      const source = await sourceConnection(db, sealer, sourceId);
      const { storagePrefix } = await getSettings(db);
      await runBackup(ctx, { source, sourceId, backupId, keyPrefix: storagePrefix }).catch(() => {
        // runBackup has recorded the failure on the backup.
      });
    },

    async verify({ verificationId }) {
      const verification = await getVerification(db, verificationId);
      await executeVerification(ctx, verification, { scratch: await scratchServer(deps) });
    },

    async restore({ restoreId }) {
      const restore = await markRestoreRunning(db, restoreId);
      try {
        const target = await restoreTarget(db, sealer, restoreId);
        const result = await runRestore(ctx, {
          backupId: restore.backupId,
          target,
          createsDatabase: restore.createsDatabase,
          onSafetyBackup: (safetyBackupId) => recordSafetyBackup(db, restoreId, safetyBackupId),
        });
        await finishRestore(db, restoreId, { status: "succeeded", message: result.message });
        await recordAudit(db, { actor: restore.requestedBy, action: "restore.finish", targetType: "restore", targetId: restoreId, outcome: "ok", details: { backupId: restore.backupId, target: restore.target, safetyBackupId: result.safetyBackupId } });
      } catch (thrown) {
        const error = toPgproofError(thrown);
        const current = await getRestore(db, restoreId);
        const safety = current.safetyBackupId ? ` The target's previous contents are in safety backup ${current.safetyBackupId}.` : "";
        await finishRestore(db, restoreId, { status: "failed", message: redact(error.message) + safety });
        await recordAudit(db, { actor: restore.requestedBy, action: "restore.finish", targetType: "restore", targetId: restoreId, outcome: "failed", details: { backupId: restore.backupId, target: restore.target, reason: redact(error.message) } });
      }
    },
  };
}
