import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { Catalog } from "../../src/catalog/catalog.ts";
import { engineContext } from "../../src/app/runtime.ts";
import type { EngineContext } from "../../src/engine/context.ts";
import { withClient } from "../../src/postgres/client.ts";
import { toConnectionString, withDatabase, type ConnectionTarget } from "../../src/postgres/connection.ts";
import { LocalStorage } from "../../src/storage/local-storage.ts";
import { silentLogger } from "../../src/support/logger.ts";

export const sourceServer = (): ConnectionTarget => inject("sourceServer");
export const homeServer = (): ConnectionTarget => inject("homeServer");

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

export async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(target: ConnectionTarget, text: string, params: unknown[] = []): Promise<T[]> {
  return withClient(target, async (client) => (await client.query<T>(text, params)).rows);
}

export async function createDatabase(server: ConnectionTarget, prefix: string, setupSql?: string): Promise<ConnectionTarget> {
  const name = uniqueName(prefix);
  await sql(withDatabase(server, "postgres"), `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const target = withDatabase(server, name);
  if (setupSql) await sql(target, setupSql);
  return target;
}

export async function dropDatabase(target: ConnectionTarget): Promise<void> {
  await sql(withDatabase(target, "postgres"), `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(target.database)} WITH (FORCE)`);
}

export interface TestPgproof extends AsyncDisposable {
  ctx: EngineContext;
  catalogTarget: ConnectionTarget;
  scratch: ConnectionTarget;
  storageDir: string;
  /** Environment for running the CLI against this catalog, storage and scratch server. */
  cliEnv: NodeJS.ProcessEnv;
}

/** A catalog database, a storage directory and the scratch server, private to one test file. */
export async function openTestPgproof(): Promise<TestPgproof> {
  const catalogTarget = await createDatabase(homeServer(), "catalog");
  const storageDir = await mkdtemp(join(tmpdir(), "pgproof-storage-"));
  const catalog = await Catalog.open(catalogTarget);
  const scratch = withDatabase(homeServer(), "postgres");
  return {
    ctx: engineContext({ catalog, storage: new LocalStorage(storageDir), logger: silentLogger }),
    catalogTarget,
    scratch,
    storageDir,
    cliEnv: {
      ...process.env,
      PGPROOF_CATALOG_URL: toConnectionString(catalogTarget),
      PGPROOF_SCRATCH_URL: toConnectionString(scratch),
      PGPROOF_STORAGE: storageDir,
      PGPROOF_HOME: join(storageDir, "home-unused"),
    },
    async [Symbol.asyncDispose]() {
      await catalog.close();
      await dropDatabase(catalogTarget);
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}
