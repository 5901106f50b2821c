import { describe, expect, test } from "vitest";
import { runBackup } from "../src/engine/backup.ts";
import { runRestore } from "../src/engine/restore.ts";
import { withDatabase, type ConnectionTarget } from "../src/postgres/connection.ts";
import { dropDatabase, sql, uniqueName } from "./support/databases.ts";
import { useRichSourceFixture } from "./support/rich-source.ts";

const fixture = useRichSourceFixture();

/** Every row of every user table, as one digest: "the target as it was". */
async function everything(target: ConnectionTarget): Promise<string> {
  const tables = await sql<{ t: string }>(
    target,
    "SELECT c.oid::regclass::text AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast' ORDER BY 1",
  );
  const parts: string[] = [];
  for (const { t } of tables) parts.push(`${t}:${(await sql<{ d: string }>(target, `SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS d FROM ${t} x`))[0]!.d}`);
  return parts.join("|");
}

describe("restore engine", () => {
  test("a restore that fails midway is rolled back: the target is exactly as it was, and the safety backup exists", async () => {
    const pgproof = fixture.pgproof();
    const backup = await runBackup(pgproof.ctx, { source: fixture.source() });
    const target = withDatabase(fixture.source(), uniqueName("target"));
    await sql(withDatabase(target, "postgres"), `CREATE DATABASE ${target.database}`);
    try {
      // A table where the backup has a materialized view: replacing it fails late, after tables were dropped and data loaded.
      await sql(target, "CREATE SCHEMA shop; CREATE TABLE shop.customers (id int, note text); INSERT INTO shop.customers VALUES (1, 'keep me'); CREATE SCHEMA analytics; CREATE TABLE analytics.daily_events (x int); INSERT INTO analytics.daily_events VALUES (42);");
      const before = await everything(target);
      const failure = await runRestore(pgproof.ctx, { backupId: backup.id, target, createsDatabase: false }).catch((e: unknown) => e);
      expect(failure).toMatchObject({ _tag: "RestoreFailed" });
      expect((failure as Error).message).toMatch(/rolled back/);
      expect(await everything(target)).toBe(before);
      const safety = await sql<{ n: number }>(pgproof.catalogTarget, "SELECT count(*)::int AS n FROM backups WHERE trigger = 'safety' AND source_database = $1 AND status = 'completed'", [target.database]);
      expect(safety[0]!.n).toBe(1);
    } finally {
      await dropDatabase(target);
    }
  });

  test("a restore into a new database that already exists is refused; a new one is created and filled", async () => {
    const pgproof = fixture.pgproof();
    const backup = await runBackup(pgproof.ctx, { source: fixture.source() });
    await expect(runRestore(pgproof.ctx, { backupId: backup.id, target: fixture.source(), createsDatabase: true })).rejects.toMatchObject({ _tag: "Conflict" });
    const fresh = withDatabase(fixture.source(), uniqueName("fresh"));
    try {
      const result = await runRestore(pgproof.ctx, { backupId: backup.id, target: fresh, createsDatabase: true });
      expect(result.safetyBackupId).toBeNull();
      expect(await everything(fresh)).toBe(await everything(fixture.source()));
    } finally {
      await dropDatabase(fresh);
    }
  });
});
