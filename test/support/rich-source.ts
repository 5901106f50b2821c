import { demoSchemaSql } from "../../src/app/demo-database.ts";
import type { ConnectionTarget } from "../../src/postgres/connection.ts";
import { afterAll, beforeAll } from "vitest";
import { createDatabase, dropDatabase, openTestPgproof, sourceServer, sql, uniqueName, type TestPgproof } from "./databases.ts";

/**
 * The demo schema plus ownership and grants by roles that exist only on the source server,
 * as in production, where the scratch server is another machine.
 */
export async function createRichSource(server: ConnectionTarget, scale = 1): Promise<ConnectionTarget> {
  const owner = uniqueName("app_owner");
  const reader = uniqueName("app_reader");
  await sql(server, `CREATE ROLE ${owner}; CREATE ROLE ${reader}`);
  return createDatabase(
    server,
    "rich",
    `${demoSchemaSql(scale)}
     ALTER SCHEMA shop OWNER TO ${owner};
     ALTER TABLE shop.customers OWNER TO ${owner};
     GRANT USAGE ON SCHEMA shop TO ${reader};
     GRANT SELECT ON shop.orders TO ${reader};`,
  );
}

/** Registers hooks that give a test file its own pgproof (catalog, storage) and a rich source database. */
export function useRichSourceFixture(): { pgproof: () => TestPgproof; source: () => ConnectionTarget } {
  let pgproof: TestPgproof | undefined;
  let source: ConnectionTarget | undefined;
  beforeAll(async () => {
    pgproof = await openTestPgproof();
    source = await createRichSource(sourceServer());
  });
  afterAll(async () => {
    if (source) await dropDatabase(source);
    await pgproof?.[Symbol.asyncDispose]();
  });
  return { pgproof: () => pgproof!, source: () => source! };
}
