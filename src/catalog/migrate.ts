import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type pg from "pg";

const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));
// Serialises concurrent starts against one catalog.
const MIGRATION_LOCK = 7_150_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.split("_")[0]),
      name: file.replace(/\.sql$/, ""),
      sql: await readFile(MIGRATIONS_DIR + file, "utf8"),
    })),
  );
}

/** Applies the migrations not yet applied, all in one transaction; safe to run from many processes at once. */
export async function migrate(client: pg.ClientBase): Promise<string[]> {
  const migrations = await loadMigrations();
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS pgproof_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const { rows } = await client.query<{ version: number }>("SELECT version FROM pgproof_migrations");
    const applied = new Set(rows.map((r) => r.version));
    const ran: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO pgproof_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
      ran.push(migration.name);
    }
    await client.query("COMMIT");
    return ran;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
