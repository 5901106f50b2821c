import { z } from "zod";

/** One base table as the source held it in the dump's snapshot. */
export const ManifestTable = z.object({
  schema: z.string(),
  name: z.string(),
  /** The table's OID on the source: the dump's TABLE DATA entry carries it. */
  oid: z.number().int(),
  rows: z.number().int().nonnegative(),
  /** Order-independent sum of per-row hashes, as a decimal string. */
  fingerprint: z.string(),
});
export type ManifestTable = z.infer<typeof ManifestTable>;

export const SequenceValue = z.object({
  name: z.string(),
  lastValue: z.string().nullable(),
  ascending: z.boolean(),
});
export type SequenceValue = z.infer<typeof SequenceValue>;

/** Objects other than table data, by qualified name; compared as sets after a restore. */
export const ObjectInventory = z.object({
  schemas: z.array(z.string()),
  views: z.array(z.string()),
  materializedViews: z.array(z.string()),
  partitionedTables: z.array(z.string()),
  functions: z.array(z.string()),
  indexes: z.array(z.string()),
  constraints: z.array(z.string()),
  triggers: z.array(z.string()),
  extensions: z.array(z.string()),
  sequences: z.array(SequenceValue),
});
export type ObjectInventory = z.infer<typeof ObjectInventory>;

export const Manifest = z.object({
  serverVersion: z.string(),
  encoding: z.string(),
  tables: z.array(ManifestTable),
  inventory: ObjectInventory,
});
export type Manifest = z.infer<typeof Manifest>;

export function qualifiedName(table: { schema: string; name: string }): string {
  return `${table.schema}.${table.name}`;
}

export function manifestTotals(manifest: Manifest): { tableCount: number; rowCount: number } {
  return {
    tableCount: manifest.tables.length,
    rowCount: manifest.tables.reduce((sum, t) => sum + t.rows, 0),
  };
}
