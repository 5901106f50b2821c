import pg from "pg";
import { Conflict, InvalidInput, RestoreFailed, SourceUnreachable, toError } from "../domain/errors.ts";
import { getBackup } from "../catalog/backups.ts";
import { withClient } from "../postgres/client.ts";
import { clientFor } from "../postgres/client-tools.ts";
import { describeTarget, libpqEnv, withDatabase, type ConnectionTarget } from "../postgres/connection.ts";
import { redact } from "../support/redact.ts";
import { startProcess } from "../support/run-process.ts";
import type { EngineContext } from "./context.ts";
import { runBackup } from "./backup.ts";
import { listBaseTables } from "./manifest-capture.ts";
import { asCompleted } from "./verify.ts";
import { verifyHeader } from "./verify-header.ts";

export interface RestoreRequest {
  backupId: string;
  target: ConnectionTarget;
  /** Create the target database first (it must not exist) instead of restoring over an existing one. */
  createsDatabase: boolean;
  signal?: AbortSignal;
  workerId?: string;
  /** Called as soon as the safety backup of an existing target has completed. */
  onSafetyBackup?: (backupId: string) => Promise<void>;
}

export interface RestoreResult {
  safetyBackupId: string | null;
  message: string;
}

const targetError = (target: ConnectionTarget) => (error: unknown) =>
  new SourceUnreachable(`restore target ${describeTarget(target)} is unreachable: ${redact(toError(error).message, target.password ? [target.password] : [])}`, { cause: error });

async function databaseExists(target: ConnectionTarget): Promise<boolean> {
  return withClient(withDatabase(target, "postgres"), async (client) => {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [target.database]);
    return Boolean(rowCount);
  }, targetError(target));
}

/**
 * Restores a backup into `target` as one transaction: a failure leaves the target as it was.
 * An existing target with tables is first backed up, and the restore proceeds only if that
 * safety backup completed.
 */
export async function runRestore(ctx: EngineContext, request: RestoreRequest): Promise<RestoreResult> {
  const backup = asCompleted(await getBackup(ctx.catalog.pool, request.backupId));
  const pgRestore = await clientFor("pg_restore", Number.parseInt(backup.pgDumpVersion ?? "0", 10), ctx.binDirs);
  const { target } = request;

  // Never feed damaged bytes into a real database.
  const check = await verifyHeader(ctx.storage, backup, pgRestore, { signal: request.signal });
  if (!check.passed) throw new Conflict(`backup ${backup.id} failed its integrity check and was not restored: ${check.message}`);

  let safetyBackupId: string | null = null;
  const exists = await databaseExists(target);
  if (request.createsDatabase) {
    if (exists) throw new Conflict(`database ${target.database} already exists on ${target.host}:${target.port}; choose a new name`);
    await withClient(withDatabase(target, "postgres"), (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(target.database)}`), targetError(target));
  } else {
    if (!exists) throw new InvalidInput(`database ${target.database} does not exist on ${target.host}:${target.port}; restore into a new database instead`, ["targetUrl"]);
    const hasTables = await withClient(target, async (c) => (await listBaseTables(c)).length > 0, targetError(target));
    if (hasTables) {
      const safety = await runBackup(ctx, { source: target, signal: request.signal, trigger: "safety", workerId: request.workerId });
      safetyBackupId = safety.id;
      await request.onSafetyBackup?.(safety.id);
    }
  }

  try {
    const restore = startProcess(
      pgRestore.path,
      ["--single-transaction", "--exit-on-error", "--no-password", ...(request.createsDatabase ? [] : ["--clean", "--if-exists"]), "--dbname", target.database],
      { env: libpqEnv(target), stdin: "pipe", stdout: "ignore", signal: request.signal },
    );
    const input = await ctx.storage.get(backup.storageKey, { signal: request.signal });
    input.pipe(restore.stdin);
    input.once("error", () => restore.stdin.destroy());
    const exit = await restore.done;
    input.destroy();
    if (exit.code !== 0) {
      const detail = exit.stderr.trim().split("\n").slice(-5).join("; ");
      throw new RestoreFailed(`pg_restore failed and the target was left as it was: ${redact(detail, target.password ? [target.password] : [])}`);
    }
  } catch (error) {
    if (request.createsDatabase) {
      await withClient(withDatabase(target, "postgres"), (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(target.database)} WITH (FORCE)`)).catch(
        (e: unknown) => ctx.logger.error({ err: e }, "could not drop the new database of a failed restore"),
      );
    }
    throw error;
  }
  const safety = safetyBackupId ? `; the previous contents are in safety backup ${safetyBackupId}` : "";
  return { safetyBackupId, message: `restored backup ${backup.id} into ${describeTarget(target)}${safety}` };
}
