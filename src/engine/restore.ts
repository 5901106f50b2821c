import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { Conflict, InvalidInput, RestoreFailed, SourceUnreachable, toError } from "../domain/errors.ts";
import { getBackup } from "../catalog/backups.ts";
import { withClient } from "../postgres/client.ts";
import { clientFor, type ClientTool } from "../postgres/client-tools.ts";
import { describeTarget, libpqEnv, withDatabase, type ConnectionTarget } from "../postgres/connection.ts";
import { redact } from "../support/redact.ts";
import { lastLines, startProcess } from "../support/run-process.ts";
import type { EngineContext } from "./context.ts";
import { runBackup } from "./backup.ts";
import { listBaseTables } from "./manifest-capture.ts";
import { asCompleted } from "./verify.ts";
import { openArtifact } from "./artifact-reader.ts";
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
  const storage = ctx.storages.at(backup.storageLocation);
  const check = await verifyHeader(storage, backup, pgRestore, { signal: request.signal, keyring: ctx.keyring });
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
    const prelude = request.createsDatabase ? "" : await dropStatements(target, backup.manifest.tables);
    await restoreInOneTransaction(ctx, await openArtifact(ctx, backup, request.signal), target, { pgRestore, prelude, clean: !request.createsDatabase, signal: request.signal });
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

/**
 * DROP ... CASCADE of the target's tables that the backup holds, by their partition roots.
 * pg_restore --clean alone cannot replace partitioned tables: it drops a partition's inherited
 * constraint before its parent's and fails.
 */
async function dropStatements(target: ConnectionTarget, tables: ReadonlyArray<{ schema: string; name: string }>): Promise<string> {
  if (!tables.length) return "";
  const roots = await withClient(target, async (client) => {
    const { rows } = await client.query<{ root: string }>(
      `SELECT DISTINCT coalesce(pg_partition_root(c.oid), c.oid)::regclass::text AS root
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN unnest($1::text[], $2::text[]) AS t(schema, name) ON t.schema = n.nspname AND t.name = c.relname
        WHERE c.relkind IN ('r', 'p')`,
      [tables.map((t) => t.schema), tables.map((t) => t.name)],
    );
    return rows.map((r) => r.root);
  }, targetError(target));
  return roots.length ? `SET search_path = pg_catalog;\nDROP TABLE IF EXISTS ${roots.join(", ")} CASCADE;\n` : "";
}

/**
 * Streams the archive as SQL (pg_restore -f -) after `prelude` into psql --single-transaction
 * with ON_ERROR_STOP: everything commits together or nothing does.
 */
async function restoreInOneTransaction(
  ctx: EngineContext,
  input: Readable,
  target: ConnectionTarget,
  options: { pgRestore: ClientTool; prelude: string; clean: boolean; signal?: AbortSignal },
): Promise<void> {
  const psql = await clientFor("psql", options.pgRestore.major, ctx.binDirs);
  const secrets = target.password ? [target.password] : [];
  const toSql = startProcess(options.pgRestore.path, ["--file", "-", ...(options.clean ? ["--clean", "--if-exists"] : [])], { stdin: "pipe", signal: options.signal });
  const apply = startProcess(psql.path, ["--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1", "--dbname", target.database], {
    env: libpqEnv(target),
    stdin: "pipe",
    stdout: "ignore",
    signal: options.signal,
  });
  // psql commits when its input ends, so it must never see the end of a conversion that failed: kill it instead.
  const sql = (async function* () {
    yield Buffer.from(options.prelude);
    for await (const chunk of toSql.stdout) yield chunk as Buffer;
    if ((await toSql.done).code !== 0) {
      apply.child.kill("SIGKILL");
      throw new RestoreFailed("pg_restore stopped before the end of the archive");
    }
  })();
  const feeding = Promise.allSettled([pipeline(input, toSql.stdin), pipeline(Readable.from(sql), apply.stdin)]);
  const [converted, applied] = await Promise.all([toSql.done, apply.done]);
  await feeding;
  input.destroy();
  const tail = (text: string) => redact(lastLines(text, 5), secrets);
  // psql stopping first also breaks pg_restore's output, so its error is the one to report.
  if (applied.code !== 0) throw new RestoreFailed(`the restore failed and was rolled back; the target was left as it was: ${tail(applied.stderr)}`);
  if (converted.code !== 0) throw new RestoreFailed(`pg_restore could not read the archive and nothing was committed: ${tail(converted.stderr)}`);
}
