import { beforeAll, describe, expect, test } from "vitest";
import { getBackup } from "../src/catalog/backups.ts";
import { listVerifications } from "../src/catalog/verifications.ts";
import { runBackup } from "../src/engine/backup.ts";
import { runVerification } from "../src/engine/verify.ts";
import { SourceRejected } from "../src/domain/errors.ts";
import type { ConnectionTarget } from "../src/postgres/connection.ts";
import { createDatabase, dropDatabase, sourceServer, sql, type TestPgproof } from "./support/databases.ts";
import { useRichSourceFixture } from "./support/rich-source.ts";

const fixture = useRichSourceFixture();
let pgproof: TestPgproof;
let source: ConnectionTarget;
beforeAll(() => {
  pgproof = fixture.pgproof();
  source = fixture.source();
});

describe("backup then verify a rich source", () => {
  test("full-restore proves every table, row count and fingerprint; header-only passes; both are recorded", async () => {
    const backup = await runBackup(pgproof.ctx, { source });
    expect(backup.status).toBe("completed");
    expect(backup.sha256).toMatch(/^[0-9a-f]{64}$/);

    const expectedTables = ["analytics.events_2025", "analytics.events_2026", "audit.changes", "shop.customers", "shop.orders", "shop.refunds", "shop.wishlist"];
    expect(backup.manifest!.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(expectedTables);
    expect(backup.expectedTableCount).toBe(7);
    for (const table of backup.manifest!.tables) {
      const [row] = await sql<{ count: string }>(source, `SELECT count(*)::text AS count FROM ONLY "${table.schema}"."${table.name}"`);
      expect(table.rows, `${table.schema}.${table.name}`).toBe(Number(row!.count));
    }
    const wishlist = backup.manifest!.tables.find((t) => t.name === "wishlist")!;
    expect(wishlist.rows).toBe(0);
    const inventory = backup.manifest!.inventory;
    expect(inventory.schemas).toEqual(expect.arrayContaining(["analytics", "audit", "shop", "public"]));
    expect(inventory.views).toEqual(["shop.order_summary"]);
    expect(inventory.materializedViews).toEqual(["analytics.daily_events"]);
    expect(inventory.partitionedTables).toEqual(["analytics.events"]);
    expect(inventory.triggers).toEqual(["shop.orders.orders_audit"]);
    expect(inventory.functions).toEqual(expect.arrayContaining(["audit.record_change()", "shop.customer_total(bigint)"]));
    expect(inventory.sequences.find((s) => s.name === "shop.invoice_numbers")?.lastValue).toBe("2000");

    const full = await runVerification(pgproof.ctx, { backupId: backup.id, level: "full-restore", triggeredBy: "test", scratch: pgproof.scratch });
    expect(full.error).toBeUndefined();
    expect(full.verification.status, full.verification.message ?? "").toBe("passed");
    const evidence = full.verification.evidence!;
    expect(evidence.mismatches).toEqual([]);
    expect(evidence.tablesExpected).toBe(7);
    expect(evidence.tablesRestored).toBe(7);
    expect(evidence.rowsRestored).toBe(evidence.rowsExpected);
    expect(evidence.rowsExpected).toBe(backup.manifest!.tables.reduce((s, t) => s + t.rows, 0));
    expect(evidence.tables.every((t) => t.fingerprintMatch && t.rowsRestored === t.rowsExpected)).toBe(true);
    expect(evidence.restoreMs).toBeGreaterThan(0);
    expect(evidence.notes.join(" ")).toMatch(/without owners/);
    expect(full.backup.status).toBe("verified");
    expect(full.backup.verifyLevel).toBe("full-restore");

    const header = await runVerification(pgproof.ctx, { backupId: backup.id, level: "header-only", triggeredBy: "test" });
    expect(header.verification.status).toBe("passed");
    // A later shallow pass does not hide the deeper proof.
    expect(header.backup.verifyLevel).toBe("full-restore");

    const runs = await listVerifications(pgproof.ctx.catalog.pool, backup.id);
    expect(runs.map((r) => [r.level, r.status, r.triggeredBy])).toEqual([
      ["header-only", "passed", "test"],
      ["full-restore", "passed", "test"],
    ]);
  });

  test("the manifest is taken in the dump's snapshot even while the source is being written", async () => {
    const writer = new AbortController();
    let inserted = 0;
    const writing = (async () => {
      while (!writer.signal.aborted) {
        await sql(source, "INSERT INTO shop.refunds (order_id, amount) VALUES (1, 1)");
        inserted += 1;
      }
    })();
    try {
      const backup = await runBackup(pgproof.ctx, { source });
      const outcome = await runVerification(pgproof.ctx, { backupId: backup.id, level: "full-restore", triggeredBy: "test", scratch: pgproof.scratch });
      expect(outcome.verification.status, outcome.verification.message ?? "").toBe("passed");
    } finally {
      writer.abort();
      await writing;
    }
    expect(inserted).toBeGreaterThan(0);
  });

  test("a source with no base tables fails fast with a reason and leaves no artifact", async () => {
    const empty = await createDatabase(sourceServer(), "empty", "CREATE VIEW v AS SELECT 1 AS one");
    try {
      const failure = await runBackup(pgproof.ctx, { source: empty }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(SourceRejected);
      const rows = await sql<{ id: string; status: string; error: string }>(
        pgproof.catalogTarget,
        "SELECT id, status, error FROM backups WHERE source_database = $1",
        [empty.database],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.status).toBe("failed");
      expect(rows[0]!.error).toMatch(/no base tables/);
      expect(await pgproof.ctx.storage.stat(`${rows[0]!.id}.dump`)).toBeNull();
    } finally {
      await dropDatabase(empty);
    }
  });

  test("only completed or verified backups can be verified; unknown ids are not found", async () => {
    const empty = await createDatabase(sourceServer(), "empty2");
    try {
      await runBackup(pgproof.ctx, { source: empty }).catch(() => {});
      const [row] = await sql<{ id: string }>(pgproof.catalogTarget, "SELECT id FROM backups WHERE source_database = $1", [empty.database]);
      await expect(runVerification(pgproof.ctx, { backupId: row!.id, level: "header-only", triggeredBy: "test" })).rejects.toMatchObject({ _tag: "BackupInvalidState" });
      await expect(
        runVerification(pgproof.ctx, { backupId: "00000000-0000-4000-8000-000000000000", level: "header-only", triggeredBy: "test" }),
      ).rejects.toMatchObject({ _tag: "BackupNotFound" });
      expect((await getBackup(pgproof.ctx.catalog.pool, row!.id)).status).toBe("failed");
    } finally {
      await dropDatabase(empty);
    }
  });
});
