import { Writable, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Backup, Evidence, Mismatch } from "../domain/backup.ts";
import { manifestTotals, qualifiedName, type Manifest } from "../domain/manifest.ts";
import type { ClientTool } from "../postgres/client-tools.ts";
import type { Storage } from "../storage/storage.ts";
import { Digest, Tee } from "./artifact-streams.ts";
import { startTocReader, tablesWithoutData, type TocResult } from "./dump-toc.ts";

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
export function judgeArtifact(backup: CompletedBackup, digest: Digest, toc: TocResult): ArtifactProblems {
  const problems: string[] = [];
  const mismatches: Mismatch[] = [];
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

/** Reads the whole artifact once through a digest and a table-of-contents reader into `sink`. */
export async function readArtifact(
  stream: Readable,
  pgRestore: ClientTool,
  sink: Writable,
  options: { signal?: AbortSignal; onProgress?: (bytes: number) => void },
): Promise<{ digest: Digest; toc: TocResult }> {
  const digest = new Digest(options.onProgress);
  const toc = startTocReader(pgRestore, options.signal);
  await pipeline(stream, digest, new Tee(toc.input), sink, { signal: options.signal });
  return { digest, toc: await toc.result };
}

export function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

/** header-only: the artifact is there, unchanged, and a readable archive holding every manifest table's data. */
export async function verifyHeader(
  storage: Storage,
  backup: CompletedBackup,
  pgRestore: ClientTool,
  options: { signal?: AbortSignal; onProgress?: (bytes: number) => void },
): Promise<LevelResult> {
  const evidence = emptyEvidence(backup.manifest, ["header-only: checksum and table of contents checked; no rows were restored"]);
  const absent = await artifactPresence(storage, backup);
  if (absent) return { passed: false, message: absent, evidence };
  const { digest, toc } = await readArtifact(await storage.get(backup.storageKey), pgRestore, discard(), options);
  const { problems, mismatches } = judgeArtifact(backup, digest, toc);
  evidence.mismatches = mismatches;
  if (problems.length) return { passed: false, message: problems.join("; "), evidence };
  return { passed: true, message: `checksum and table of contents match (${backup.manifest.tables.length} tables with data)`, evidence };
}
