import type { Writable } from "node:stream";
import { lastLines, startProcess } from "../support/run-process.ts";
import type { ClientTool } from "../postgres/client-tools.ts";

export interface TocEntry {
  dumpId: number;
  objectOid: number;
  type: string;
  /** The rest of the line after the type: schema, name, owner. */
  rest: string;
}

export type TocResult = { ok: true; entries: TocEntry[] } | { ok: false; reason: string };

// "3345; 0 16390 TABLE DATA public accounts owner"
const TOC_LINE = /^(\d+); (\d+) (\d+) ([A-Z][A-Z ]*?[A-Z]) (\S.*)$/;
const KNOWN_TYPES = ["TABLE DATA", "SEQUENCE SET", "MATERIALIZED VIEW DATA", "BLOBS", "LARGE OBJECT", "TABLE", "SCHEMA", "EXTENSION"];

export function parseTocListing(listing: string): TocEntry[] {
  const entries: TocEntry[] = [];
  for (const line of listing.split("\n")) {
    if (!line || line.startsWith(";")) continue;
    const match = TOC_LINE.exec(line);
    if (!match) continue;
    let type = match[4]!;
    let rest = match[5]!;
    // The type column is unbounded text; prefer the longest known type that the line starts with.
    const known = KNOWN_TYPES.find((t) => `${type} ${rest}`.startsWith(t + " "));
    if (known) {
      rest = `${type} ${rest}`.slice(known.length + 1);
      type = known;
    }
    entries.push({ dumpId: Number(match[1]), objectOid: Number(match[3]), type, rest });
  }
  return entries;
}

/**
 * Starts `pg_restore --list` reading an archive from its stdin. Feed the archive into `input`;
 * the tool stops reading once it has the table of contents, and further bytes are dropped.
 */
export function startTocReader(pgRestore: ClientTool, signal?: AbortSignal): { input: Writable; result: Promise<TocResult> } {
  const proc = startProcess(pgRestore.path, ["--list"], { stdin: "pipe", signal, timeoutMs: 10 * 60_000 });
  let listing = "";
  proc.stdout.setEncoding("utf8");
  proc.stdout.on("data", (chunk: string) => {
    listing += chunk;
  });
  const result = proc.done.then((exit): TocResult => {
    if (exit.code === 0) return { ok: true, entries: parseTocListing(listing) };
    const detail = lastLines(exit.stderr, 3) || `exit ${exit.code ?? exit.signal}`;
    return { ok: false, reason: `table of contents unreadable: ${detail}` };
  });
  return { input: proc.stdin, result };
}

/** Manifest tables that have no TABLE DATA entry in the archive, matched by the table's OID. */
export function tablesWithoutData<T extends { oid: number }>(tables: readonly T[], entries: readonly TocEntry[]): T[] {
  const withData = new Set(entries.filter((e) => e.type === "TABLE DATA").map((e) => e.objectOid));
  return tables.filter((t) => !withData.has(t.oid));
}
