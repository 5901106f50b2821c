import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { toConnectionString, withDatabase, type ConnectionTarget } from "../src/postgres/connection.ts";
import { runProcess } from "../src/support/run-process.ts";
import { dropDatabase, openTestPgproof, sourceServer, sql, uniqueName, type TestPgproof } from "./support/databases.ts";
import { createRichSource } from "./support/rich-source.ts";
import { runCli } from "./support/cli.ts";

let pgproof: TestPgproof;
let source: ConnectionTarget;
/** The source reached through a login role with a password, to check that it never leaks. */
let secretSource: ConnectionTarget;
const password = `pw-${uniqueName("secret")}-Zq9`;
const role = uniqueName("backup_user");

beforeAll(async () => {
  pgproof = await openTestPgproof();
  source = await createRichSource(sourceServer());
  await sql(sourceServer(), `CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${password}'`);
  secretSource = { ...source, user: role, password };
});
afterAll(async () => {
  await dropDatabase(source);
  await sql(sourceServer(), `DROP ROLE IF EXISTS ${role}`);
  await pgproof[Symbol.asyncDispose]();
});

describe("pgproof CLI", () => {
  test("backup, verify at both levels and list print one JSON object each, with documented exit codes", async () => {
    const backup = await runCli(["backup", "--source", toConnectionString(secretSource), "--json"], pgproof.cliEnv);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.json).toMatchObject({ status: "completed", verifyLevel: null, manifest: { tableCount: 7 } });
    expect(backup.json.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(backup.json.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(backup.json.sizeBytes).toBeGreaterThan(1000);
    expect(backup.json.manifest.rowCount).toBeGreaterThan(3000);
    expect(Date.parse(backup.json.createdAt)).not.toBeNaN();

    const full = await runCli(["verify", backup.json.id, "--level", "full-restore", "--json"], pgproof.cliEnv);
    expect(full.code, full.stderr).toBe(0);
    expect(full.json).toMatchObject({ backupId: backup.json.id, verified: true, level: "full-restore" });
    expect(full.json.evidence).toMatchObject({ tablesExpected: 7, tablesRestored: 7, mismatches: [] });
    expect(full.json.evidence.rowsRestored).toBe(backup.json.manifest.rowCount);
    expect(full.json.evidence.rowsExpected).toBe(backup.json.manifest.rowCount);
    expect(full.json.evidence.restoreMs).toBeGreaterThan(0);

    const header = await runCli(["verify", backup.json.id, "--level", "header-only", "--json"], pgproof.cliEnv);
    expect(header.code).toBe(0);
    expect(header.json).toMatchObject({ verified: true, level: "header-only", evidence: { tablesExpected: 7, tablesRestored: null } });

    const list = await runCli(["list", "--json"], pgproof.cliEnv);
    expect(list.code).toBe(0);
    const listed = list.json.backups.find((b: { id: string }) => b.id === backup.json.id);
    expect(listed).toMatchObject({ status: "verified", verifyLevel: "full-restore" });

    const human = await runCli(["list"], pgproof.cliEnv);
    expect(human.stdout).toContain(backup.json.id);
    expect(human.stdout).toContain("verified (full-restore)");

    for (const output of [backup, full, header, list, human]) {
      expect(output.stdout + output.stderr).not.toContain(password);
    }
  });

  test("a verification that proves the backup bad exits 1", async () => {
    const backup = await runCli(["backup", "--source", toConnectionString(source), "--json"], pgproof.cliEnv);
    await rm(join(pgproof.storageDir, `${backup.json.id}.dump`));
    const result = await runCli(["verify", backup.json.id, "--level", "header-only", "--json"], pgproof.cliEnv);
    expect(result.code).toBe(1);
    expect(result.json).toMatchObject({ verified: false, status: "failed", level: "header-only" });
    expect(result.json.message).toMatch(/missing/);
  });

  test.each([
    ["an unknown --level", 2, ["verify", "00000000-0000-4000-8000-000000000000", "--level", "deep"]],
    ["a backup id that is not a UUID", 2, ["verify", "not-a-uuid", "--json"]],
    ["a source that is not a URL", 2, ["backup", "--source", "nonsense", "--json"]],
    ["a missing --source", 2, ["backup", "--json"]],
    ["an unknown backup", 3, ["verify", "00000000-0000-4000-8000-000000000000", "--json"]],
    ["an unreachable source", 5, ["backup", "--source", "postgres://u:hunter22@127.0.0.1:1/db", "--json"]],
  ])("%s exits %i with a clear error", async (_name, code, args) => {
    const env = { ...pgproof.cliEnv };
    delete env.PGPROOF_SOURCE_URL;
    const result = await runCli(args, env);
    expect(result.code, result.stderr + result.stdout).toBe(code);
    if (args.includes("--json")) {
      expect(result.json.error.code).toBeTruthy();
      expect(result.json.error.message).toBeTruthy();
    }
    expect(result.stdout + result.stderr).not.toContain("hunter22");
  });

  test("a backup in the wrong state cannot be verified (exit 4)", async () => {
    const empty = withDatabase(sourceServer(), uniqueName("empty"));
    await sql(sourceServer(), `CREATE DATABASE ${empty.database}`);
    try {
      const failed = await runCli(["backup", "--source", toConnectionString(empty), "--json"], pgproof.cliEnv);
      expect(failed.code).toBe(6);
      expect(failed.json.error.code).toBe("SourceRejected");
      const [row] = await sql<{ id: string }>(pgproof.catalogTarget, "SELECT id FROM backups WHERE source_database = $1", [empty.database]);
      const result = await runCli(["verify", row!.id, "--json"], pgproof.cliEnv);
      expect(result.code).toBe(4);
      expect(result.json.error.code).toBe("BackupInvalidState");
    } finally {
      await dropDatabase(empty);
    }
  });

  test("no password reaches the catalog, even from failures", async () => {
    await runCli(["backup", "--source", toConnectionString({ ...secretSource, database: "no_such_db" }), "--json"], pgproof.cliEnv);
    const rows = await sql<{ dump: string }>(
      pgproof.catalogTarget,
      "SELECT (SELECT coalesce(json_agg(b), '[]') FROM backups b)::text || (SELECT coalesce(json_agg(v), '[]') FROM verifications v)::text AS dump",
    );
    expect(rows[0]!.dump).toContain(role);
    expect(rows[0]!.dump).not.toContain(password);
  });

  test("with nothing configured, an embedded cluster under PGPROOF_HOME serves as catalog and scratch, and is stopped afterwards", async () => {
    const home = await mkdtemp(join(tmpdir(), "pgproof-home-"));
    await chmod(home, 0o755);
    const env: NodeJS.ProcessEnv = { ...process.env, PGPROOF_HOME: home };
    for (const key of ["PGPROOF_CATALOG_URL", "PGPROOF_SCRATCH_URL", "PGPROOF_STORAGE"]) delete env[key];
    try {
      const backup = await runCli(["backup", "--source", toConnectionString(source), "--json"], env);
      expect(backup.code, backup.stderr).toBe(0);
      const full = await runCli(["verify", backup.json.id, "--level", "full-restore", "--json"], env);
      expect(full.code, full.stderr).toBe(0);
      expect(full.json.verified).toBe(true);
      const header = await runCli(["verify", backup.json.id, "--level", "header-only", "--json"], env);
      expect(header.json.verified).toBe(true);
      const list = await runCli(["list", "--json"], env);
      expect(list.json.backups.map((b: { id: string }) => b.id)).toEqual([backup.json.id]);
      const running = await runProcess("pgrep", ["-f", join(home, "postgres")]);
      expect(running.stdout.trim()).toBe("");
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
