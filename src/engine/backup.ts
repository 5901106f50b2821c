import { pipeline, type Readable } from "node:stream";
import { encryptStream } from "./encryption.ts";
import { ProgressRecorder } from "./progress-recorder.ts";
import pg from "pg";
import type { Backup } from "../domain/backup.ts";
import { BackupInvalidState, Cancelled, DumpFailed, SourceRejected, SourceUnreachable, toError, toPgproofError, type PgproofError } from "../domain/errors.ts";
import type { BackupTrigger } from "../domain/enums.ts";
import { qualifiedName, type Manifest } from "../domain/manifest.ts";
import { completeBackup, failBackup, finishAttempt, getBackup, insertBackup, startAttempt } from "../catalog/backups.ts";
import type { Queryable } from "../catalog/catalog.ts";
import { clientFor, majorOf, type ClientTool } from "../postgres/client-tools.ts";
import { connect } from "../postgres/client.ts";
import { describeTarget, identityOf, libpqEnv, type ConnectionTarget } from "../postgres/connection.ts";
import { PIN_SESSION_SQL } from "../postgres/session-settings.ts";
import { redact, redactError } from "../support/redact.ts";
import { lastLines, startProcess } from "../support/run-process.ts";
import { Digest, Tee, endGuard } from "./artifact-streams.ts";
import type { EngineContext } from "./context.ts";
import { startTocReader, tablesWithoutData } from "./dump-toc.ts";
import { captureInventory, fingerprintTables, listBaseTables, serverFacts } from "./manifest-capture.ts";

export interface BackupRequest {
  source: ConnectionTarget;
  /** The registered source this backup belongs to, if any. */
  sourceId?: string;
  /** An `in_progress` row created earlier (a queued backup); when absent, one is created. */
  backupId?: string;
  /** Folder under the storage root for the artifact. */
  keyPrefix?: string;
  trigger?: BackupTrigger;
  /** The heartbeat identity of the process doing the work, so a lost process's backup can be found. */
  workerId?: string;
  /**
   * Whether a failure should leave the backup `in_progress` for another attempt (a transient
   * failure with retries left). The attempt is recorded either way.
   */
  willRetry?: (error: PgproofError) => boolean;
  signal?: AbortSignal;
  onProgress?: (bytesWritten: number) => void;
}

export function artifactKey(backupId: string, prefix = ""): string {
  return `${prefix ? prefix.replace(/\/+$/, "") + "/" : ""}${backupId}.dump`;
}

function connectSource(source: ConnectionTarget): Promise<pg.Client> {
  return connect(
    source,
    (error) =>
      new SourceUnreachable(`source ${describeTarget(source)} is unreachable: ${redact(toError(error).message, source.password ? [source.password] : [])}`, {
        cause: error,
      }),
  );
}

/** Records a new `in_progress` backup of `source`, for work that will run later or elsewhere. */
export function createBackupRecord(
  db: Queryable,
  source: ConnectionTarget,
  options: { sourceId?: string; trigger?: BackupTrigger; workerId?: string } = {},
): Promise<Backup> {
  return insertBackup(db, { source: identityOf(source), ...options });
}

/**
 * Dumps the source with pg_dump -Fc into storage while taking the manifest in the same snapshot.
 * Resolves with the `completed` backup; on any failure the backup is `failed` with the reason,
 * no artifact remains, and the tagged error is thrown.
 */
export async function runBackup(ctx: EngineContext, request: BackupRequest): Promise<Backup> {
  const { source } = request;
  const secrets = source.password ? [source.password] : [];
  const backup = request.backupId ? await getBackup(ctx.catalog.pool, request.backupId) : await createBackupRecord(ctx.catalog.pool, source, { sourceId: request.sourceId, trigger: request.trigger, workerId: request.workerId });
  if (backup.status !== "in_progress") throw new BackupInvalidState(`backup ${backup.id} is ${backup.status}, not in_progress`);
  const key = artifactKey(backup.id, request.keyPrefix);
  const encryptWith = ctx.keyring.activeId;
  const attempt = await startAttempt(ctx.catalog.pool, backup.id, request.workerId, { key, location: ctx.storage.description, encryptionKeyId: encryptWith ?? null });
  let stored = false;
  let client: pg.Client | undefined;
  const progress = new ProgressRecorder(ctx.catalog.pool, "backups", backup.id);
  const onProgress = (bytes: number) => {
    progress.record(bytes);
    request.onProgress?.(bytes);
  };
  try {
    client = await connectSource(source);
    const facts = await serverFacts(client);
    const pgDump = await clientFor("pg_dump", majorOf(facts.versionNum), ctx.binDirs);
    const pgRestore = await clientFor("pg_restore", pgDump.major, ctx.binDirs);
    const result = await dumpInSnapshot(ctx, client, { ...request, onProgress, pgDump, pgRestore, key, facts, onStored: () => (stored = true) });
    await progress.flush();
    return await ctx.catalog.transaction(async (tx) => {
      const completed = await completeBackup(tx, backup.id, { ...result, storageKey: key, pgDumpVersion: pgDump.version, serverVersion: facts.version });
      await finishAttempt(tx, backup.id, attempt, null);
      return completed;
    });
  } catch (thrown) {
    const error = request.signal?.aborted ? new Cancelled("backup cancelled") : toPgproofError(thrown);
    const reason = redact(error.message, secrets);
    ctx.logger.error({ backupId: backup.id, attempt, err: redactError(thrown, secrets) }, "backup failed");
    if (stored) await ctx.storage.delete(key).catch((e: unknown) => ctx.logger.error({ err: e, key }, "could not remove artifact of failed backup"));
    await progress.flush();
    await ctx.catalog.transaction(async (tx) => {
      await finishAttempt(tx, backup.id, attempt, reason);
      if (!request.willRetry?.(error)) await failBackup(tx, backup.id, reason);
    });
    throw error;
  } finally {
    await client?.end().catch(() => {});
  }
}

interface DumpPlan extends BackupRequest {
  pgDump: ClientTool;
  pgRestore: ClientTool;
  key: string;
  facts: { version: string; encoding: string };
  onStored: () => void;
}

async function dumpInSnapshot(
  ctx: EngineContext,
  client: pg.Client,
  plan: DumpPlan,
): Promise<{ sizeBytes: number; sha256: string; manifest: Manifest }> {
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  await client.query(PIN_SESSION_SQL);
  const snapshot = (await client.query<{ id: string }>("SELECT pg_export_snapshot() AS id")).rows[0]!.id;
  const tables = await listBaseTables(client);
  if (tables.length === 0) throw new SourceRejected(`source ${describeTarget(plan.source)} has no base tables to back up`);

  const controller = new AbortController();
  const signal = plan.signal ? AbortSignal.any([controller.signal, plan.signal]) : controller.signal;
  const dump = startProcess(plan.pgDump.path, ["--format=custom", `--snapshot=${snapshot}`, "--no-password", "--dbname", plan.source.database], {
    env: libpqEnv(plan.source),
    signal,
  });
  const toc = startTocReader(plan.pgRestore, signal);
  const digest = new Digest(plan.onProgress);
  const dumpSucceeded = endGuard(async () => {
    const exit = await dump.done;
    if (exit.aborted) throw new Cancelled("pg_dump was stopped");
    if (exit.code !== 0) throw new DumpFailed(`pg_dump failed (${exit.code ?? exit.signal}): ${lastLines(exit.stderr, 5) || "no output"}`);
  });
  // The table of contents is read from the plaintext; the checksum covers the stored bytes.
  const stages = [dumpSucceeded, new Tee(toc.input), ...(ctx.keyring.activeId ? [encryptStream(ctx.keyring.activeId, ctx.keyring.key(ctx.keyring.activeId))] : []), digest];
  const body = pipeline([dump.stdout, ...stages], () => {}) as unknown as Readable;

  const abortOnFailure = <T>(promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      controller.abort();
      throw error;
    });
  const captureManifest = async () => {
    const counted = await fingerprintTables(client, tables, signal);
    return { counted, inventory: await captureInventory(client) };
  };
  const [, { counted: tablesWithCounts, inventory }] = await Promise.all([
    abortOnFailure(ctx.storage.put(plan.key, body, { signal }).then(plan.onStored)),
    abortOnFailure(captureManifest()),
  ]).catch(async (error: unknown) => {
    controller.abort();
    await dump.done.catch(() => {});
    throw error;
  });
  await client.query("COMMIT");

  const listing = await toc.result;
  if (!listing.ok) throw new DumpFailed(`the new archive is unreadable: ${listing.reason}`);
  const missing = tablesWithoutData(tablesWithCounts, listing.entries);
  if (missing.length) throw new SourceRejected(`the dump has no table data for ${missing.map(qualifiedName).join(", ")}`);

  return {
    sizeBytes: digest.bytes,
    sha256: digest.sha256(),
    manifest: { serverVersion: plan.facts.version, encoding: plan.facts.encoding, tables: tablesWithCounts, inventory },
  };
}

