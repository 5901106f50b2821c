import { Writable, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Backup, Evidence, Mismatch } from "../domain/backup.ts";
import { manifestTotals, qualifiedName, type Manifest } from "../domain/manifest.ts";
import type { ClientTool } from "../postgres/client-tools.ts";
import type { Storage } from "../storage/storage.ts";
import { Digest, Tee } from "./artifact-streams.ts";
import { startTocReader, tablesWithoutData, type TocResult } from "./dump-toc.ts";
import { DecryptionFailed } from "../domain/errors.ts";
import { Keyring, decryptStream } from "./encryption.ts";

export interface LevelResult {
  passed: boolean;
  message: string;
  evidence: Evidence;
}

/** A backup that reached `completed` has all of these. */
export type CompletedBackup = Backup & { manifest: Manifest; storageKey: string; sizeBytes: number; sha256: string };

export function emptyEvidence(manifest: Manifest, notes: string[] = []): Evidence {
  const totals = manifestTotals(manifest);
  return {
    tablesExpected: totals.tableCount,
    tablesRestored: null,
    rowsExpected: totals.rowCount,
    rowsRestored: null,
    mismatches: [],
    restoreMs: null,
    tables: [],
    notes,
  };
}

/** Problems with the stored bytes themselves: missing, resized, changed, or not a readable archive. */
export interface ArtifactProblems {
  problems: string[];
  mismatches: Mismatch[];
}

/** Checks that the artifact exists with the recorded size; returns the reason when it does not. */
export async function artifactPresence(storage: Storage, backup: CompletedBackup): Promise<string | undefined> {
  const found = await storage.stat(backup.storageKey);
  if (!found) return `artifact ${backup.storageKey} is missing from ${storage.description}`;
  if (found.sizeBytes !== backup.sizeBytes) return `artifact size is ${found.sizeBytes} bytes, the catalog recorded ${backup.sizeBytes}`;
  return undefined;
}

/** Judges the checksum and table of contents seen while reading the artifact. */
export function judgeArtifact(backup: CompletedBackup, digest: Digest, toc: TocResult, decryption?: DecryptionFailed): ArtifactProblems {
  const problems: string[] = [];
  const mismatches: Mismatch[] = [];
  if (decryption) {
    // Decryption stopped the read, so the size, checksum and table of contents say nothing more.
    return { problems: [`decryption failed: ${decryption.message}`], mismatches };
  }
  if (digest.bytes !== backup.sizeBytes) problems.push(`read ${digest.bytes} bytes, the catalog recorded ${backup.sizeBytes}`);
  else if (digest.sha256() !== backup.sha256) problems.push(`SHA-256 ${digest.sha256()} does not match the recorded ${backup.sha256}`);
  if (!toc.ok) problems.push(toc.reason);
  else {
    const missing = tablesWithoutData(backup.manifest.tables, toc.entries);
    for (const table of missing) mismatches.push({ table: qualifiedName(table), kind: "no-table-data", expected: "TABLE DATA", actual: null });
    if (missing.length) problems.push(`no table data in the archive for ${missing.map(qualifiedName).join(", ")}`);
  }
  return { problems, mismatches };
}

export interface ReadOptions {
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  /** Set for an encrypted artifact: every chunk is authenticated as it is read. */
  keyring?: Keyring;
  encryptionKeyId?: string | null;
}

/**
 * Reads the whole artifact once: a digest of the stored bytes, then decryption when the artifact
 * is encrypted, then a table-of-contents reader, into `sink`. `decryption` holds why decryption
 * failed, when it did; the stream stops there.
 */
export async function readArtifact(
  stream: Readable,
  pgRestore: ClientTool,
  sink: Writable,
  options: ReadOptions,
): Promise<{ digest: Digest; toc: TocResult; decryption?: DecryptionFailed }> {
  const digest = new Digest(options.onProgress);
  const toc = startTocReader(pgRestore, options.signal);
  const decrypt = options.encryptionKeyId ? [decryptStream(options.keyring ?? Keyring.empty())] : [];
  try {
    await pipeline([stream, digest, ...decrypt, new Tee(toc.input), sink], { signal: options.signal });
  } catch (error) {
    if (!(error instanceof DecryptionFailed)) throw error;
    toc.input.destroy();
    return { digest, toc: await toc.result, decryption: error };
  }
  return { digest, toc: await toc.result };
}

/** A missing key is this machine's problem, not the backup's: it throws EncryptionKeyMissing before any work. */
export function requireKey(backup: Pick<CompletedBackup, "encryptionKeyId">, options: Pick<ReadOptions, "keyring">): void {
  if (backup.encryptionKeyId) (options.keyring ?? Keyring.empty()).key(backup.encryptionKeyId);
}

export function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

/** header-only: the artifact is there, unchanged, and a readable archive holding every manifest table's data. */
export async function verifyHeader(
  storage: Storage,
  backup: CompletedBackup,
  pgRestore: ClientTool,
  options: ReadOptions,
): Promise<LevelResult> {
  const note = backup.encryptionKeyId ? "header-only: checksum, every encrypted chunk and the table of contents checked; no rows were restored" : "header-only: checksum and table of contents checked; no rows were restored";
  const evidence = emptyEvidence(backup.manifest, [note]);
  const absent = await artifactPresence(storage, backup);
  if (absent) return { passed: false, message: absent, evidence };
  requireKey(backup, options);
  const { digest, toc, decryption } = await readArtifact(await storage.get(backup.storageKey), pgRestore, discard(), { ...options, encryptionKeyId: backup.encryptionKeyId });
  const { problems, mismatches } = judgeArtifact(backup, digest, toc, decryption);
  evidence.mismatches = mismatches;
  if (problems.length) return { passed: false, message: problems.join("; "), evidence };
  return { passed: true, message: `checksum and table of contents match (${backup.manifest.tables.length} tables with data)`, evidence };
}
