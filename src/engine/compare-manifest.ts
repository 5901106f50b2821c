import type { Mismatch, TableEvidence } from "../domain/backup.ts";
import { qualifiedName, type Manifest, type ManifestTable, type ObjectInventory } from "../domain/manifest.ts";

export interface RestoredState {
  tables: ManifestTable[];
  inventory: ObjectInventory;
}

export interface Comparison {
  tables: TableEvidence[];
  mismatches: Mismatch[];
  tablesRestored: number;
  rowsRestored: number;
}

type NamedKinds = Exclude<keyof ObjectInventory, "sequences">;
const OBJECT_KINDS: Record<NamedKinds, string> = {
  schemas: "schema",
  views: "view",
  materializedViews: "materialized view",
  partitionedTables: "partitioned table",
  functions: "function",
  indexes: "index",
  constraints: "constraint",
  triggers: "trigger",
  extensions: "extension",
};

/**
 * Compares a restored database with the manifest taken at backup time. `baseline` is what the
 * empty scratch database held before the restore, so its own objects are not reported as extras.
 */
export function compareWithManifest(expected: Manifest, restored: RestoredState, baseline: ObjectInventory): Comparison {
  const mismatches: Mismatch[] = [];
  const restoredByName = new Map(restored.tables.map((t) => [qualifiedName(t), t]));
  const expectedNames = new Set(expected.tables.map(qualifiedName));

  const tables = expected.tables.map((table): TableEvidence => {
    const name = qualifiedName(table);
    const got = restoredByName.get(name);
    if (!got) {
      mismatches.push({ table: name, kind: "missing", expected: String(table.rows), actual: null });
      return { table: name, rowsExpected: table.rows, rowsRestored: null, fingerprintMatch: false };
    }
    if (got.rows !== table.rows) mismatches.push({ table: name, kind: "rows", expected: String(table.rows), actual: String(got.rows) });
    const fingerprintMatch = got.fingerprint === table.fingerprint;
    if (!fingerprintMatch && got.rows === table.rows) mismatches.push({ table: name, kind: "fingerprint", expected: table.fingerprint, actual: got.fingerprint });
    return { table: name, rowsExpected: table.rows, rowsRestored: got.rows, fingerprintMatch };
  });
  for (const table of restored.tables) {
    const name = qualifiedName(table);
    if (!expectedNames.has(name)) mismatches.push({ table: name, kind: "unexpected", expected: null, actual: String(table.rows) });
  }

  for (const [key, label] of Object.entries(OBJECT_KINDS) as [NamedKinds, string][]) {
    const want = new Set(expected.inventory[key]);
    const have = new Set(restored.inventory[key]);
    const preexisting = new Set(baseline[key]);
    for (const name of want) if (!have.has(name)) mismatches.push({ table: name, kind: "object-missing", expected: label, actual: null });
    for (const name of have) if (!want.has(name) && !preexisting.has(name)) mismatches.push({ table: name, kind: "object-unexpected", expected: null, actual: label });
  }
  mismatches.push(...compareSequences(expected.inventory.sequences, restored.inventory.sequences));

  return {
    tables,
    mismatches,
    tablesRestored: restored.tables.length,
    rowsRestored: restored.tables.reduce((sum, t) => sum + t.rows, 0),
  };
}

/**
 * Sequences are not transactional: pg_dump reads them a moment after the manifest did, so an
 * ascending sequence may have moved forward in between, but never back.
 */
function compareSequences(expected: ObjectInventory["sequences"], restored: ObjectInventory["sequences"]): Mismatch[] {
  const byName = new Map(restored.map((s) => [s.name, s]));
  const out: Mismatch[] = [];
  for (const seq of expected) {
    const got = byName.get(seq.name);
    if (!got) {
      out.push({ table: seq.name, kind: "object-missing", expected: "sequence", actual: null });
      continue;
    }
    if (seq.lastValue === null || got.lastValue === null) {
      if (seq.lastValue !== got.lastValue) out.push({ table: seq.name, kind: "sequence", expected: seq.lastValue, actual: got.lastValue });
      continue;
    }
    const want = BigInt(seq.lastValue);
    const have = BigInt(got.lastValue);
    const ok = seq.ascending ? have >= want : have <= want;
    if (!ok) out.push({ table: seq.name, kind: "sequence", expected: seq.lastValue, actual: got.lastValue });
  }
  return out;
}
