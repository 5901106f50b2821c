import { createHash } from "node:crypto";
import { readFile, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import type { Backup } from "../src/domain/backup.ts";
import type { VerifyLevel } from "../src/domain/enums.ts";
import { runBackup } from "../src/engine/backup.ts";
import { runVerification } from "../src/engine/verify.ts";
import { clientFor } from "../src/postgres/client-tools.ts";
import { libpqEnv, type ConnectionTarget } from "../src/postgres/connection.ts";
import { runProcess } from "../src/support/run-process.ts";
import { sql, type TestPgproof } from "./support/databases.ts";
import { useRichSourceFixture } from "./support/rich-source.ts";

const fixture = useRichSourceFixture();
let pgproof: TestPgproof;
let source: ConnectionTarget;
beforeAll(() => {
  pgproof = fixture.pgproof();
  source = fixture.source();
});

const artifactPath = (backup: Backup) => join(pgproof.storageDir, backup.storageKey!);

async function tocReadable(path: string): Promise<boolean> {
  const pgRestore = await clientFor("pg_restore", 15);
  return (await runProcess(pgRestore.path, ["--list", path])).code === 0;
}

async function truncateTo(backup: Backup, fraction: number): Promise<void> {
  await truncate(artifactPath(backup), Math.floor(backup.sizeBytes! * fraction));
}

async function patchManifest(backup: Backup, edit: (manifest: any) => void): Promise<void> {
  const manifest = structuredClone(backup.manifest) as any;
  edit(manifest);
  await sql(pgproof.catalogTarget, "UPDATE backups SET manifest = $2 WHERE id = $1", [backup.id, JSON.stringify(manifest)]);
}

interface Case {
  name: string;
  corrupt: (backup: Backup) => Promise<void>;
  /** Whether the bytes of the artifact differ from what the catalog recorded. */
  bytesChanged: boolean;
  caughtBy: VerifyLevel[];
}

const cases: Case[] = [
  {
    name: "truncated inside the table of contents",
    bytesChanged: true,
    caughtBy: ["header-only", "full-restore"],
    corrupt: async (backup) => {
      await truncate(artifactPath(backup), 120);
      expect(await tocReadable(artifactPath(backup))).toBe(false);
    },
  },
  { name: "truncated at 50%", bytesChanged: true, caughtBy: ["header-only", "full-restore"], corrupt: (b) => truncateTo(b, 0.5) },
  { name: "truncated at 99%", bytesChanged: true, caughtBy: ["header-only", "full-restore"], corrupt: (b) => truncateTo(b, 0.99) },
  {
    name: "one byte flipped in a data block",
    bytesChanged: true,
    caughtBy: ["header-only", "full-restore"],
    corrupt: async (backup) => {
      const bytes = await readFile(artifactPath(backup));
      const at = Math.floor(bytes.length * 0.7);
      bytes[at] = bytes[at]! ^ 0xff;
      await writeFile(artifactPath(backup), bytes);
      // Still a readable archive: the damage is in the data, not the table of contents.
      expect(await tocReadable(artifactPath(backup))).toBe(true);
    },
  },
  { name: "artifact deleted", bytesChanged: true, caughtBy: ["header-only", "full-restore"], corrupt: (b) => rm(artifactPath(b)) },
  {
    name: "manifest says a table has one more row than the dump holds",
    bytesChanged: false,
    caughtBy: ["full-restore"],
    corrupt: (backup) =>
      patchManifest(backup, (m) => {
        m.tables.find((t: any) => t.name === "customers").rows += 1;
      }),
  },
  {
    name: "manifest fingerprint differs from the dumped content",
    bytesChanged: false,
    caughtBy: ["full-restore"],
    corrupt: (backup) =>
      patchManifest(backup, (m) => {
        m.tables.find((t: any) => t.name === "orders").fingerprint = "12345";
      }),
  },
  {
    name: "dump missing a table the manifest lists",
    bytesChanged: true,
    caughtBy: ["header-only", "full-restore"],
    corrupt: async (backup) => {
      // A valid archive of the same source without one table, recorded as if it were the backup.
      const pgDump = await clientFor("pg_dump", 15);
      const path = artifactPath(backup);
      const dump = await runProcess(pgDump.path, ["-Fc", "-T", "shop.refunds", "-f", path, "--dbname", source.database], { env: libpqEnv(source) });
      expect(dump.code).toBe(0);
      const bytes = await readFile(path);
      await sql(pgproof.catalogTarget, "UPDATE backups SET size_bytes = $2, sha256 = $3 WHERE id = $1", [
        backup.id,
        bytes.length,
        createHash("sha256").update(bytes).digest("hex"),
      ]);
    },
  },
];

const findings: string[] = [];

describe("corruption matrix", () => {
  for (const c of cases) {
    for (const level of ["header-only", "full-restore"] as const) {
      const caught = c.caughtBy.includes(level);
      test(`${c.name}: ${level} ${caught ? "catches it" : "cannot see it"}`, async () => {
        // header-only must catch every case where bytes changed.
        if (level === "header-only") expect(caught).toBe(c.bytesChanged);
        const backup = await runBackup(pgproof.ctx, { source });
        await c.corrupt(backup);
        const outcome = await runVerification(pgproof.ctx, { backupId: backup.id, level, triggeredBy: "test", scratch: pgproof.scratch });
        findings.push(`| ${c.name} | ${level} | ${outcome.verification.status} | ${outcome.verification.message} |`);
        expect(outcome.error).toBeUndefined();
        if (caught) {
          expect(outcome.verification.status).toBe("failed");
          expect(outcome.backup.status).toBe("failed");
          expect(outcome.backup.verifyLevel).toBe(level);
          expect(outcome.backup.error).toContain(level);
          expect(outcome.verification.message).toBeTruthy();
        } else {
          expect(outcome.verification.status).toBe("passed");
          expect(outcome.backup.status).toBe("verified");
        }
      });
    }
  }

  test("what each level reported", () => {
    expect(findings).toHaveLength(cases.length * 2);
    console.log(["| case | level | outcome | reason |", "|---|---|---|---|", ...findings].join("\n"));
  });
});
