import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { getBackup } from "../src/catalog/backups.ts";
import { listVerifications } from "../src/catalog/verifications.ts";
import { runBackup } from "../src/engine/backup.ts";
import { runVerification } from "../src/engine/verify.ts";
import { ScratchUnsafe } from "../src/domain/errors.ts";
import { withDatabase, type ConnectionTarget } from "../src/postgres/connection.ts";
import { SCRATCH_PREFIX, scratchDatabaseName, scratchNamePrefix, sweepScratchDatabases } from "../src/postgres/scratch-database.ts";
import { homeServer, sql, type TestPgproof } from "./support/databases.ts";
import { useRichSourceFixture } from "./support/rich-source.ts";

const fixture = useRichSourceFixture();
let pgproof: TestPgproof;
let source: ConnectionTarget;
beforeAll(() => {
  pgproof = fixture.pgproof();
  source = fixture.source();
});

async function myScratchDatabases(): Promise<string[]> {
  const rows = await sql<{ datname: string }>(homeServer(), "SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [scratchNamePrefix()]);
  return rows.map((r) => r.datname);
}

async function sourceCounts(): Promise<string> {
  const rows = await sql<{ counts: string }>(
    source,
    "SELECT string_agg(relname || '=' || (xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM ' || oid::regclass, false, true, '')))[1]::text, ',' ORDER BY relname) AS counts FROM pg_class WHERE relkind = 'r' AND relnamespace::regnamespace::text IN ('shop', 'analytics', 'audit')",
  );
  return rows[0]!.counts;
}

describe("scratch safety", () => {
  test.each([
    ["the source database itself", () => source],
    ["the source database spelled with localhost", () => ({ ...source, host: "localhost" })],
    ["the catalog database", () => pgproof.catalogTarget],
  ])("a scratch server that is %s is refused and nothing is touched", async (_name, scratchOf) => {
    const backup = await runBackup(pgproof.ctx, { source });
    const before = await sourceCounts();
    const attempt = runVerification(pgproof.ctx, { backupId: backup.id, level: "full-restore", triggeredBy: "test", scratch: scratchOf() });
    await expect(attempt).rejects.toBeInstanceOf(ScratchUnsafe);
    expect(await sourceCounts()).toBe(before);
    expect(await listVerifications(pgproof.ctx.catalog.pool, backup.id)).toEqual([]);
    expect((await getBackup(pgproof.ctx.catalog.pool, backup.id)).status).toBe("completed");
    expect(await myScratchDatabases()).toEqual([]);
  });

  test("the scratch database is gone after a restore that fails", async () => {
    const backup = await runBackup(pgproof.ctx, { source });
    const path = join(pgproof.storageDir, backup.storageKey!);
    const bytes = await readFile(path);
    bytes[Math.floor(bytes.length * 0.7)]! ^= 0xff;
    await writeFile(path, bytes);
    const outcome = await runVerification(pgproof.ctx, { backupId: backup.id, level: "full-restore", triggeredBy: "test", scratch: pgproof.scratch });
    expect(outcome.verification.status).toBe("failed");
    expect(outcome.verification.message).toMatch(/pg_restore failed/);
    expect(await myScratchDatabases()).toEqual([]);
  });

  test("a cancelled full-restore drops its scratch database and is recorded as an error, not a pass", async () => {
    const backup = await runBackup(pgproof.ctx, { source });
    const controller = new AbortController();
    let sawScratch = false;
    const watcher = (async () => {
      while (!controller.signal.aborted) {
        if ((await myScratchDatabases()).length) {
          sawScratch = true;
          controller.abort();
        }
      }
    })();
    const outcome = await runVerification(pgproof.ctx, {
      backupId: backup.id,
      level: "full-restore",
      triggeredBy: "test",
      scratch: pgproof.scratch,
      signal: controller.signal,
    });
    controller.abort();
    await watcher;
    expect(sawScratch).toBe(true);
    expect(outcome.error?._tag).toBe("Cancelled");
    expect(outcome.verification.status).toBe("error");
    expect(outcome.backup.status).toBe("completed");
    expect(await myScratchDatabases()).toEqual([]);
  });

  test("scratch databases left by a crashed process on this host are dropped by the sweep; live ones stay", async () => {
    const deadPid = 2 ** 22 + 12345; // above pid_max on this machine: no such process
    const orphan = scratchDatabaseName(deadPid);
    const live = scratchDatabaseName(process.pid);
    await sql(homeServer(), `CREATE DATABASE ${orphan}`);
    await sql(homeServer(), `CREATE DATABASE ${live}`);
    try {
      const dropped = await sweepScratchDatabases(withDatabase(homeServer(), "postgres"));
      expect(dropped).toContain(orphan);
      expect(dropped).not.toContain(live);
      const left = await sql<{ datname: string }>(homeServer(), "SELECT datname FROM pg_database WHERE datname LIKE $1", [`${SCRATCH_PREFIX}%`]);
      expect(left.map((r) => r.datname)).toContain(live);
      expect(left.map((r) => r.datname)).not.toContain(orphan);
    } finally {
      await sql(homeServer(), `DROP DATABASE IF EXISTS ${live}`);
    }
  });

  test("a scratch server without an extension the backup needs is an error naming it; the backup stays as it was", async () => {
    const backup = await runBackup(pgproof.ctx, { source });
    const manifest = structuredClone(backup.manifest!);
    manifest.inventory.extensions.push("pgproof_absent_extension");
    await sql(pgproof.catalogTarget, "UPDATE backups SET manifest = $2 WHERE id = $1", [backup.id, JSON.stringify(manifest)]);
    const outcome = await runVerification(pgproof.ctx, { backupId: backup.id, level: "full-restore", triggeredBy: "test", scratch: pgproof.scratch });
    expect(outcome.error?._tag).toBe("ScratchUnavailable");
    expect(outcome.verification.status).toBe("error");
    expect(outcome.verification.message).toMatch(/pgproof_absent_extension/);
    expect(outcome.backup.status).toBe("completed");
    expect(outcome.backup.verifyLevel).toBeNull();
  });

  test("an unreachable scratch server is an error, never a pass, and leaves the backup as it was", async () => {
    const backup = await runBackup(pgproof.ctx, { source });
    const outcome = await runVerification(pgproof.ctx, {
      backupId: backup.id,
      level: "full-restore",
      triggeredBy: "test",
      scratch: { ...pgproof.scratch, port: 1 },
    });
    expect(outcome.error?._tag).toBe("ScratchUnavailable");
    expect(outcome.verification.status).toBe("error");
    expect((await getBackup(pgproof.ctx.catalog.pool, backup.id)).status).toBe("completed");
  });
});
