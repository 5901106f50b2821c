import { readdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { toConnectionString, type ConnectionTarget } from "../src/postgres/connection.ts";
import { createDatabase, dropDatabase, openTestPgproof, sourceServer, sql, type TestPgproof } from "./support/databases.ts";
import { WorkerFleet, eventually, sleep } from "./support/workers.ts";
import { createRichSource } from "./support/rich-source.ts";

let pgproof: TestPgproof;
let small: ConnectionTarget;

beforeAll(async () => {
  pgproof = await openTestPgproof();
  small = await createRichSource(sourceServer());
});
afterAll(async () => {
  await dropDatabase(small);
  await pgproof[Symbol.asyncDispose]();
});

async function backupsOf(sourceId: string) {
  return sql<{ id: string; status: string; trigger: string; error: string | null }>(
    pgproof.catalogTarget,
    "SELECT id, status, trigger, error FROM backups WHERE source_id = $1 ORDER BY created_at",
    [sourceId],
  );
}

async function verificationsOf(sourceId: string) {
  return sql<{ status: string; level: string; triggered_by: string }>(
    pgproof.catalogTarget,
    "SELECT v.status, v.level, v.triggered_by FROM verifications v JOIN backups b ON b.id = v.backup_id WHERE b.source_id = $1",
    [sourceId],
  );
}

async function storedFiles(): Promise<string[]> {
  return (await readdir(pgproof.storageDir, { recursive: true })).map(String);
}

describe("scheduled backups on a shared queue", () => {
  test("four workers and one due window: exactly one backup, verified once", async () => {
    await using fleet = new WorkerFleet(pgproof);
    // Yearly, and the schedule existed before this year's window opened: exactly one window is due.
    const source = await fleet.addSource({ name: "four-workers", url: toConnectionString(small), schedule: "0 0 1 1 *" }, new Date("2025-12-31T00:00:00Z"));
    for (let i = 0; i < 4; i += 1) fleet.start();
    await eventually(async () => (await backupsOf(source.id)).some((b) => b.status === "verified"), "the scheduled backup to be verified");
    await sleep(3000); // many scheduler ticks of every worker
    const backups = await backupsOf(source.id);
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatchObject({ status: "verified", trigger: "schedule" });
    expect(await verificationsOf(source.id)).toEqual([{ status: "passed", level: "full-restore", triggered_by: "schedule" }]);
    const windows = await sql<{ window_start: Date }>(pgproof.catalogTarget, "SELECT window_start FROM scheduled_runs WHERE source_id = $1", [source.id]);
    expect(windows.map((w) => w.window_start.toISOString())).toEqual(["2026-01-01T00:00:00.000Z"]);
  });

  test("downtime across three windows, then a start: exactly one catch-up backup", async () => {
    await using fleet = new WorkerFleet(pgproof);
    const source = await fleet.addSource(
      { name: "catch-up", url: toConnectionString(small), schedule: "0 * * * *", verifyLevel: "header-only" },
      new Date(Date.now() - 3.5 * 3_600_000),
    );
    fleet.start();
    await eventually(async () => (await backupsOf(source.id)).some((b) => b.status === "verified"), "the catch-up backup");
    await sleep(2000);
    expect(await backupsOf(source.id)).toHaveLength(1);
    expect(await verificationsOf(source.id)).toMatchObject([{ status: "passed", level: "header-only" }]);
  });

  test("a worker killed mid-dump: the backup fails as 'worker lost', no artifact remains, the next window succeeds", async () => {
    const big = await createDatabase(
      sourceServer(),
      "bigsched",
      `CREATE TABLE public.blobs (id bigint PRIMARY KEY, body text NOT NULL);
       INSERT INTO public.blobs SELECT i, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text)
                                         || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text)
       FROM generate_series(1, 600000) i;`,
    );
    try {
      await using fleet = new WorkerFleet(pgproof);
      const source = await fleet.addSource({ name: "killed", url: toConnectionString(big), schedule: "0 0 1 1 *", verifyLevel: "header-only" }, new Date("2025-12-31T00:00:00Z"));
      const doomed = fleet.start();
      const [backup] = await eventually(async () => {
        const rows = await backupsOf(source.id);
        const files = await storedFiles();
        return rows.length && files.some((f) => f.startsWith(`${rows[0]!.id}.dump.partial-`)) ? rows : undefined;
      }, "the dump to start writing");
      doomed.child.kill("SIGKILL");
      await doomed.done;

      fleet.start();
      const lost = await eventually(async () => (await backupsOf(source.id)).find((b) => b.id === backup!.id && b.status === "failed"), "the lost backup to be failed");
      expect(lost.error).toMatch(/worker lost/);
      await eventually(async () => !(await storedFiles()).some((f) => f.startsWith(backup!.id)), "the partial artifact to be removed");

      // The next window: a monthly schedule whose December window is now due.
      await sql(pgproof.catalogTarget, "UPDATE sources SET schedule = '0 0 1 * *', schedule_since = '2026-11-30' WHERE id = $1", [source.id]);
      const next = await eventually(async () => (await backupsOf(source.id)).find((b) => b.id !== backup!.id && b.status === "verified"), "the next window's backup", 120_000);
      expect(next.trigger).toBe("schedule");
      const attempts = await sql<{ error: string | null }>(pgproof.catalogTarget, "SELECT error FROM backup_attempts WHERE backup_id = $1", [backup!.id]);
      expect(attempts[0]!.error).toMatch(/worker lost/);
    } finally {
      await dropDatabase(big);
    }
  });

  test("transient failures are retried with backoff, each attempt recorded; exhausted retries fail the backup with the last reason", async () => {
    await using fleet = new WorkerFleet(pgproof, { PGPROOF_BACKUP_RETRIES: "2" });
    const unreachable = { ...small, port: 1 };
    const source = await fleet.addSource({ name: "flaky", url: toConnectionString(unreachable), schedule: "0 0 1 1 *" }, new Date("2025-12-31T00:00:00Z"));
    fleet.start();
    const failed = await eventually(async () => (await backupsOf(source.id)).find((b) => b.status === "failed"), "retries to run out", 60_000);
    expect(failed.error).toMatch(/unreachable/);
    expect(failed.error).not.toContain(small.password!);
    const attempts = await sql<{ attempt: number; error: string }>(pgproof.catalogTarget, "SELECT attempt, error FROM backup_attempts WHERE backup_id = $1 ORDER BY attempt", [failed.id]);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts.every((a) => /unreachable/.test(a.error))).toBe(true);
  });
});
