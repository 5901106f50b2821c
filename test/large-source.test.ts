import { readdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runBackup } from "../src/engine/backup.ts";
import { reapLostWorkers } from "../src/jobs/workers.ts";
import { DumpFailed } from "../src/domain/errors.ts";
import { toConnectionString, type ConnectionTarget } from "../src/postgres/connection.ts";
import { runProcess, startProcess } from "../src/support/run-process.ts";
import { createDatabase, dropDatabase, openTestPgproof, sourceServer, sql, type TestPgproof } from "./support/databases.ts";
import { CLI, runCli } from "./support/cli.ts";

const HEAP_LIMIT_MB = 48;
let pgproof: TestPgproof;
let big: ConnectionTarget;
let sourceBytes = 0;

beforeAll(async () => {
  pgproof = await openTestPgproof();
  // Hex text compresses only about 2:1, so the dump itself is several times the heap limit.
  big = await createDatabase(
    sourceServer(),
    "big",
    `CREATE TABLE public.readings (id bigint PRIMARY KEY, payload text NOT NULL);
     INSERT INTO public.readings
     SELECT i, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text)
               || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text)
     FROM generate_series(1, 900000) AS i;`,
  );
  const [row] = await sql<{ bytes: string }>(big, "SELECT pg_database_size(current_database())::text AS bytes");
  sourceBytes = Number(row!.bytes);
});
afterAll(async () => {
  await dropDatabase(big);
  await pgproof[Symbol.asyncDispose]();
});

async function storedFiles(): Promise<string[]> {
  return (await readdir(pgproof.storageDir, { recursive: true })).map(String);
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const dumpRunningFor = async (database: string) => (await runProcess("pgrep", ["-f", `pg_dump .*${database}`])).stdout.trim();
const partialWritten = async () => (await storedFiles()).some((f) => f.includes(".partial-"));

describe("a source larger than the heap", () => {
  test(`backs up and full-restores with a ${HEAP_LIMIT_MB} MB heap`, async () => {
    expect(sourceBytes).toBeGreaterThan(4 * HEAP_LIMIT_MB * 1024 * 1024);
    const backup = await runCli(["backup", "--source", toConnectionString(big), "--json"], pgproof.cliEnv, [`--max-old-space-size=${HEAP_LIMIT_MB}`]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.json.sizeBytes).toBeGreaterThan(2 * HEAP_LIMIT_MB * 1024 * 1024);
    expect(backup.json.manifest.rowCount).toBe(900000);
    const verify = await runCli(["verify", backup.json.id, "--level", "full-restore", "--json"], pgproof.cliEnv, [`--max-old-space-size=${HEAP_LIMIT_MB}`]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.json.evidence.rowsRestored).toBe(900000);
  });

  test("pg_dump killed mid-dump: the backup fails with the reason and leaves no artifact", async () => {
    const before = await storedFiles();
    const running = runBackup(pgproof.ctx, { source: big });
    await waitFor(async () => (await partialWritten()) && (await dumpRunningFor(big.database)) !== "", "the dump to start writing");
    // Running work reports its progress in the catalog, for the console.
    await waitFor(async () => {
      const [row] = await sql<{ progress_bytes: number | null }>(pgproof.catalogTarget, "SELECT progress_bytes FROM backups WHERE source_database = $1 AND status = 'in_progress'", [big.database]);
      return (row?.progress_bytes ?? 0) > 0;
    }, "progress to be recorded");
    const pid = (await dumpRunningFor(big.database)).split("\n")[0]!;
    process.kill(Number(pid), "SIGKILL");
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DumpFailed);
    const [row] = await sql<{ status: string; error: string; id: string }>(
      pgproof.catalogTarget,
      "SELECT id, status, error FROM backups WHERE source_database = $1 ORDER BY created_at DESC LIMIT 1",
      [big.database],
    );
    expect(row!.status).toBe("failed");
    expect(row!.error).toMatch(/pg_dump failed/);
    expect(await storedFiles()).toEqual(before);
  });

  test("the CLI interrupted mid-dump (SIGINT) records a cancelled backup and leaves no artifact", async () => {
    const before = await storedFiles();
    const cli = startProcess(process.execPath, [CLI, "backup", "--source", toConnectionString(big), "--json"], { env: pgproof.cliEnv });
    await waitFor(partialWritten, "the dump to start writing");
    cli.child.kill("SIGINT");
    const exit = await cli.done;
    expect(exit.code).toBe(130);
    const [row] = await sql<{ status: string; error: string }>(
      pgproof.catalogTarget,
      "SELECT status, error FROM backups WHERE source_database = $1 ORDER BY created_at DESC LIMIT 1",
      [big.database],
    );
    expect(row).toEqual({ status: "failed", error: "backup cancelled" });
    expect(await storedFiles()).toEqual(before);
    expect(await dumpRunningFor(big.database)).toBe("");
  });

  test("the CLI killed outright mid-dump leaves no artifact and no completed backup", async () => {
    const cli = startProcess(process.execPath, [CLI, "backup", "--source", toConnectionString(big), "--json"], { env: pgproof.cliEnv });
    await waitFor(partialWritten, "the dump to start writing");
    cli.child.kill("SIGKILL");
    await cli.done;
    await waitFor(async () => (await dumpRunningFor(big.database)) === "", "the orphaned pg_dump to exit");
    const [row] = await sql<{ id: string; status: string }>(
      pgproof.catalogTarget,
      "SELECT id, status FROM backups WHERE source_database = $1 ORDER BY created_at DESC LIMIT 1",
      [big.database],
    );
    expect(row!.status).toBe("in_progress");
    expect(await pgproof.ctx.storage.stat(`${row!.id}.dump`)).toBeNull();
    const listed: string[] = [];
    for await (const object of pgproof.ctx.storage.list()) listed.push(object.key);
    expect(listed).not.toContain(`${row!.id}.dump`);

    // The killed CLI's heartbeat stops; whoever reaps next fails the backup and removes its partial file.
    const reaped = await reapLostWorkers(pgproof.ctx, pgproof.scratch, 0);
    expect(reaped.flatMap((w) => w.backups)).toContain(row!.id);
    const [after] = await sql<{ status: string; error: string }>(pgproof.catalogTarget, "SELECT status, error FROM backups WHERE id = $1", [row!.id]);
    expect(after).toMatchObject({ status: "failed", error: expect.stringMatching(/worker lost/) });
    expect((await storedFiles()).some((f) => f.startsWith(row!.id))).toBe(false);
  });
});
