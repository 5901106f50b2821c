import { describe, expect, test } from "vitest";
import { clientFor, installedClients } from "../src/postgres/client-tools.ts";
import { ToolMissing } from "../src/domain/errors.ts";
import { exitCodeFor } from "../src/cli/exit-codes.ts";
import * as errors from "../src/domain/errors.ts";

describe("client discovery", () => {
  test("picks the installed pg_dump of the server's major version", async () => {
    const installed = await installedClients("pg_dump");
    expect(installed.length).toBeGreaterThan(0);
    const major = installed[0]!.major;
    expect((await clientFor("pg_dump", major)).major).toBe(major);
  });

  test("an older server gets the newest newer client; a newer server than any client is ToolMissing naming the package", async () => {
    const newest = Math.max(...(await installedClients("pg_restore")).map((t) => t.major));
    expect((await clientFor("pg_restore", 9)).major).toBe(newest);
    const error = await clientFor("pg_dump", newest + 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolMissing);
    expect((error as Error).message).toContain(`postgresql-client-${newest + 1}`);
  });
});

describe("exit codes", () => {
  test("every error kind has its own exit code, none of them 0 or 1", () => {
    const kinds = (Object.values(errors) as unknown[]).filter(
      (value): value is new (message: string) => errors.PgproofError => typeof value === "function" && value.prototype instanceof Error,
    );
    const codes = kinds.map((Kind) => exitCodeFor(Kind === errors.BackupNotFound ? new errors.BackupNotFound("x") : new Kind("x")));
    expect(kinds.length).toBeGreaterThanOrEqual(13);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.filter((c) => c === 0 || c === 1)).toEqual([]);
  });
});
