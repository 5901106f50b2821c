import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AUDIT_OUTCOMES, BACKUP_STATUSES, BACKUP_TRIGGERS, BACKUP_TRANSITIONS, RESTORE_STATUSES, TOKEN_ROLES, VERIFICATION_STATUSES, VERIFY_LEVELS, type BackupStatus } from "../src/domain/enums.ts";
import { migrate } from "../src/catalog/migrate.ts";
import { insertBackup } from "../src/catalog/backups.ts";
import { openTestPgproof, sql, type TestPgproof } from "./support/databases.ts";

let pgproof: TestPgproof;
beforeAll(async () => {
  pgproof = await openTestPgproof();
});
afterAll(async () => {
  await pgproof[Symbol.asyncDispose]();
});

/** The values a single-column CHECK of the form `col IN (...)` / `col = ANY (ARRAY[...])` allows. */
async function checkValues(table: string, column: string): Promise<string[]> {
  const rows = await sql<{ def: string }>(
    pgproof.catalogTarget,
    `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
      WHERE c.conrelid = $1::regclass AND c.contype = 'c'
        AND c.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2)]::int2[]`,
    [table, column],
  );
  expect(rows).toHaveLength(1);
  return [...rows[0]!.def.matchAll(/'([^']+)'::text/g)].map((m) => m[1]!);
}

describe("catalog constraints derive from the domain constants", () => {
  test.each([
    ["backups", "status", BACKUP_STATUSES],
    ["backups", "verify_level", VERIFY_LEVELS],
    ["verifications", "level", VERIFY_LEVELS],
    ["verifications", "status", VERIFICATION_STATUSES],
    ["sources", "verify_level", VERIFY_LEVELS],
    ["settings", "default_verify_level", VERIFY_LEVELS],
    ["api_tokens", "role", TOKEN_ROLES],
    ["restores", "status", RESTORE_STATUSES],
    ["audit_log", "outcome", AUDIT_OUTCOMES],
    ["backups", "trigger", BACKUP_TRIGGERS],
  ] as const)("%s.%s CHECK allows exactly the constant's values", async (table, column, values) => {
    expect((await checkValues(table, column)).sort()).toEqual([...values].sort());
  });

  test("verify_level may be NULL (a backup not yet verified)", async () => {
    const rows = await sql<{ def: string }>(
      pgproof.catalogTarget,
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'backups_verify_level_check'`,
    );
    expect(rows[0]!.def).toMatch(/verify_level IS NULL/);
  });

  test("the database's transition table is the domain's", async () => {
    const rows = await sql<{ from_status: string; to_status: string }>(pgproof.catalogTarget, "SELECT from_status, to_status FROM backup_status_transitions");
    const fromDb = rows.map((r) => `${r.from_status}->${r.to_status}`).sort();
    const fromDomain = Object.entries(BACKUP_TRANSITIONS)
      .flatMap(([from, tos]) => tos.map((to) => `${from}->${to}`))
      .sort();
    expect(fromDb).toEqual(fromDomain);
  });

  test("the database refuses every status move the domain does not allow", async () => {
    for (const from of BACKUP_STATUSES) {
      for (const to of BACKUP_STATUSES) {
        if (from === to) continue;
        const allowed = (BACKUP_TRANSITIONS[from] as readonly BackupStatus[]).includes(to);
        const backup = await insertBackup(pgproof.ctx.catalog.pool, {
          source: { host: "h", port: 5432, database: "d", user: "u" },
        });
        // Put the row in `from` without the guard, with every column the other CHECKs demand.
        await sql(pgproof.catalogTarget, "ALTER TABLE backups DISABLE TRIGGER backups_guard_transition");
        await sql(
          pgproof.catalogTarget,
          `UPDATE backups SET status = $2, finished_at = CASE WHEN $2 = 'in_progress' THEN NULL ELSE now() END, size_bytes = 1,
             sha256 = repeat('a', 64), storage_key = 'k', manifest = '{}', expected_table_count = 1, error = 'e',
             verify_level = 'header-only', verified_at = now() WHERE id = $1`,
          [backup.id, from],
        );
        await sql(pgproof.catalogTarget, "ALTER TABLE backups ENABLE TRIGGER backups_guard_transition");
        const attempt = sql(pgproof.catalogTarget, `UPDATE backups SET status = $2, finished_at = coalesce(finished_at, now()) WHERE id = $1`, [backup.id, to]);
        if (allowed) await expect(attempt, `${from} -> ${to}`).resolves.toBeDefined();
        else await expect(attempt, `${from} -> ${to}`).rejects.toThrow(/cannot move/);
      }
    }
  });

  test("a completed backup without its artifact is refused by the database", async () => {
    const backup = await insertBackup(pgproof.ctx.catalog.pool, {
      source: { host: "h", port: 5432, database: "d", user: "u" },
    });
    await expect(sql(pgproof.catalogTarget, "UPDATE backups SET status = 'completed', finished_at = now() WHERE id = $1", [backup.id])).rejects.toThrow(
      /backups_done_has_artifact/,
    );
  });

  test("migrations are idempotent", async () => {
    const client = await pgproof.ctx.catalog.pool.connect();
    try {
      expect(await migrate(client)).toEqual([]);
    } finally {
      client.release();
    }
  });
});
