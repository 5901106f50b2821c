import pg from "pg";
import type { ManifestTable, ObjectInventory, SequenceValue } from "../domain/manifest.ts";

type Client = pg.ClientBase;

// User objects only: no system schemas, no objects that belong to an extension (the extension recreates them).
const USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'`;
const notExtensionMember = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

export interface TableRef {
  schema: string;
  name: string;
  oid: number;
}

/** Every base table (partitions included, partitioned parents excluded: they hold no rows of their own). */
export async function listBaseTables(client: Client): Promise<TableRef[]> {
  const { rows } = await client.query<{ schema: string; name: string; oid: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.oid::int8::text AS oid
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND c.relpersistence <> 't' AND ${USER_SCHEMA} AND ${notExtensionMember("pg_class", "c.oid")}
      ORDER BY 1, 2`,
  );
  return rows.map((r) => ({ schema: r.schema, name: r.name, oid: Number(r.oid) }));
}

/**
 * Exact row count and an order-independent fingerprint: the sum of a 64-bit hash of each row's
 * text form. Unlike an ordered aggregate it needs no sort and little server memory.
 */
export async function fingerprintTable(client: Client, table: TableRef): Promise<ManifestTable> {
  const relation = `${pg.escapeIdentifier(table.schema)}.${pg.escapeIdentifier(table.name)}`;
  const { rows } = await client.query<{ rows: string; fingerprint: string }>(
    `SELECT count(*)::text AS rows, coalesce(sum(hashtextextended(t::text, 0)), 0)::text AS fingerprint FROM ONLY ${relation} AS t`,
  );
  return { ...table, rows: Number(rows[0]!.rows), fingerprint: rows[0]!.fingerprint };
}

export async function fingerprintTables(client: Client, tables: readonly TableRef[], signal?: AbortSignal): Promise<ManifestTable[]> {
  const out: ManifestTable[] = [];
  for (const table of tables) {
    signal?.throwIfAborted();
    out.push(await fingerprintTable(client, table));
  }
  return out;
}

async function names(client: Client, sql: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(sql);
  return rows.map((r) => r.name).sort();
}

export async function captureInventory(client: Client): Promise<ObjectInventory> {
  const relationsOfKind = (kinds: string) =>
    names(
      client,
      `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN (${kinds}) AND ${USER_SCHEMA} AND ${notExtensionMember("pg_class", "c.oid")}`,
    );
  // One client runs one query at a time; these are small catalog reads.
  const schemas = await names(client, `SELECT n.nspname AS name FROM pg_namespace n WHERE ${USER_SCHEMA} AND ${notExtensionMember("pg_namespace", "n.oid")}`);
  const views = await relationsOfKind("'v'");
  const materializedViews = await relationsOfKind("'m'");
  const partitionedTables = await relationsOfKind("'p'");
  const indexes = await relationsOfKind("'i', 'I'");
  const functions = await names(
    client,
    `SELECT p.oid::regprocedure::text AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ${USER_SCHEMA} AND ${notExtensionMember("pg_proc", "p.oid")}`,
  );
  const constraints = await names(
    client,
    `SELECT n.nspname || '.' || coalesce(c.relname, t.typname) || '.' || con.conname AS name
       FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
       LEFT JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_type t ON t.oid = con.contypid
      WHERE con.contype <> 'n' AND ${USER_SCHEMA} AND ${notExtensionMember("pg_constraint", "con.oid")}`,
  );
  const triggers = await names(
    client,
    `SELECT n.nspname || '.' || c.relname || '.' || tg.tgname AS name
       FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT tg.tgisinternal AND ${USER_SCHEMA}`,
  );
  const extensions = await names(client, `SELECT extname AS name FROM pg_extension`);
  const sequences = await captureSequences(client);
  return { schemas, views, materializedViews, partitionedTables, functions, indexes, constraints, triggers, extensions, sequences };
}

async function captureSequences(client: Client): Promise<SequenceValue[]> {
  const { rows } = await client.query<{ name: string; last_value: string | null; ascending: boolean }>(
    `SELECT s.schemaname || '.' || s.sequencename AS name, s.last_value::text AS last_value, s.increment_by > 0 AS ascending
       FROM pg_sequences s WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
  );
  return rows.map((r) => ({ name: r.name, lastValue: r.last_value, ascending: r.ascending }));
}

export async function serverFacts(client: Client): Promise<{ version: string; versionNum: number; encoding: string }> {
  const { rows } = await client.query<{ version: string; num: string; encoding: string }>(
    `SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num,
            pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = current_database()`,
  );
  return { version: rows[0]!.version, versionNum: Number(rows[0]!.num), encoding: rows[0]!.encoding };
}
