import pg from "pg";
import { ScratchUnavailable, StorageFailure } from "../domain/errors.ts";
import type { ClientTool } from "../postgres/client-tools.ts";
import { withClient } from "../postgres/client.ts";
import { describeTarget, libpqEnv, type ConnectionTarget } from "../postgres/connection.ts";
import { withScratchDatabase } from "../postgres/scratch-database.ts";
import { PIN_SESSION_SQL } from "../postgres/session-settings.ts";
import { lastLines, startProcess } from "../support/run-process.ts";
import type { Storage } from "../storage/storage.ts";
import { compareWithManifest, type RestoredState } from "./compare-manifest.ts";
import { captureInventory, fingerprintTables, listBaseTables } from "./manifest-capture.ts";
import { artifactPresence, emptyEvidence, judgeArtifact, readArtifact, requireKey, type CompletedBackup, type LevelResult, type ReadOptions } from "./verify-header.ts";

const RESTORE_NOTE = "restored without owners, grants or tablespaces (--no-owner --no-privileges --no-tablespaces): the scratch server need not have the source's roles";

/** A connection to the scratch server with the settings pinned that fingerprints depend on. */
function withScratchClient<T>(target: ConnectionTarget, work: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(
    target,
    async (client) => {
      await client.query(PIN_SESSION_SQL);
      return work(client);
    },
    (error) => new ScratchUnavailable(`scratch database ${describeTarget(target)} is unreachable`, { cause: error }),
  );
}

/** Extensions the archive needs that the scratch server cannot create: a scratch server problem, not a bad backup. */
async function missingExtensions(scratch: ConnectionTarget, wanted: readonly string[]): Promise<string[]> {
  if (!wanted.length) return [];
  return withScratchClient(scratch, async (client) => {
    const { rows } = await client.query<{ name: string }>("SELECT name FROM pg_available_extensions WHERE name = ANY($1)", [wanted]);
    const available = new Set(rows.map((r) => r.name));
    return wanted.filter((name) => !available.has(name));
  });
}

async function captureRestored(target: ConnectionTarget, signal?: AbortSignal): Promise<RestoredState> {
  return withScratchClient(target, async (client) => {
    const tables = await fingerprintTables(client, await listBaseTables(client), signal);
    return { tables, inventory: await captureInventory(client) };
  });
}

/**
 * full-restore: restores the artifact into a fresh scratch database and compares every table's
 * row count and fingerprint, and the object inventory, with the manifest. The scratch database is
 * always dropped.
 */
export async function verifyFullRestore(
  storage: Storage,
  backup: CompletedBackup,
  pgRestore: ClientTool,
  scratch: ConnectionTarget,
  options: ReadOptions,
): Promise<LevelResult> {
  const manifest = backup.manifest;
  const evidence = emptyEvidence(manifest, [RESTORE_NOTE]);
  const absent = await artifactPresence(storage, backup);
  if (absent) return { passed: false, message: absent, evidence };
  requireKey(backup, options);

  const lacking = await missingExtensions(scratch, manifest.inventory.extensions);
  if (lacking.length) {
    throw new ScratchUnavailable(
      `the scratch server ${describeTarget(scratch)} cannot create extension${lacking.length > 1 ? "s" : ""} ${lacking.join(", ")} that the backup needs; install ${lacking.length > 1 ? "them" : "it"} there`,
    );
  }

  return withScratchDatabase(scratch, { encoding: manifest.encoding }, async (target) => {
    const baseline = await withScratchClient(target, captureInventory);
    const input = await storage.get(backup.storageKey, { signal: options.signal });
    const started = performance.now();
    const restore = startProcess(
      pgRestore.path,
      ["--no-owner", "--no-privileges", "--no-tablespaces", "--exit-on-error", "--no-password", "--dbname", target.database],
      { env: libpqEnv(target), stdin: "pipe", stdout: "ignore", signal: options.signal },
    );
    const [read, exit] = await Promise.allSettled([readArtifact(input, pgRestore, restore.stdin, { ...options, encryptionKeyId: backup.encryptionKeyId }), restore.done]);
    evidence.restoreMs = Math.round(performance.now() - started);
    options.signal?.throwIfAborted();

    if (exit.status === "rejected") throw exit.reason;
    if (exit.value.code !== 0) {
      const detail = lastLines(exit.value.stderr, 5);
      const artifact = read.status === "fulfilled" ? judgeArtifact(backup, read.value.digest, read.value.toc, read.value.decryption).problems : [];
      return { passed: false, message: [...artifact, `pg_restore failed: ${detail || `exit ${exit.value.code}`}`].join("; "), evidence };
    }
    if (read.status === "rejected") throw new StorageFailure(`could not read artifact ${backup.storageKey} from ${storage.description}`, { cause: read.reason });
    const artifact = judgeArtifact(backup, read.value.digest, read.value.toc, read.value.decryption);
    if (read.value.decryption) return { passed: false, message: artifact.problems.join("; "), evidence };

    const restored = await captureRestored(target, options.signal);
    const comparison = compareWithManifest(manifest, restored, baseline);
    evidence.tables = comparison.tables;
    evidence.tablesRestored = comparison.tablesRestored;
    evidence.rowsRestored = comparison.rowsRestored;
    evidence.mismatches = [...artifact.mismatches, ...comparison.mismatches];

    const problems = [...artifact.problems];
    if (comparison.tablesRestored < (backup.expectedTableCount ?? manifest.tables.length)) {
      problems.push(`restored ${comparison.tablesRestored} base tables, the source had ${backup.expectedTableCount}`);
    }
    if (comparison.mismatches.length) problems.push(`${comparison.mismatches.length} mismatch${comparison.mismatches.length > 1 ? "es" : ""} with the manifest: ${summarize(comparison.mismatches)}`);
    if (problems.length) return { passed: false, message: problems.join("; "), evidence };
    return {
      passed: true,
      message: `restored ${comparison.tablesRestored} tables and ${comparison.rowsRestored} rows in ${evidence.restoreMs} ms; every count and fingerprint matches`,
      evidence,
    };
  });
}

function summarize(mismatches: readonly { table: string; kind: string }[]): string {
  const shown = mismatches.slice(0, 5).map((m) => `${m.table} (${m.kind})`);
  return shown.join(", ") + (mismatches.length > 5 ? `, and ${mismatches.length - 5} more` : "");
}
