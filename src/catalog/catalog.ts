import pg from "pg";
import { CatalogUnavailable } from "../domain/errors.ts";
import { withClient } from "../postgres/client.ts";
import { describeTarget, pgClientConfig, withDatabase, type ConnectionTarget } from "../postgres/connection.ts";
import { migrate } from "./migrate.ts";

// bigint columns (sizes, row counts) fit in a JS number for any real database.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Queryable = pg.Pool | pg.PoolClient;

/** The control database: a pool plus a transaction helper. */
export class Catalog implements AsyncDisposable {
  readonly pool: pg.Pool;
  readonly target: ConnectionTarget;

  private constructor(target: ConnectionTarget, pool: pg.Pool) {
    this.target = target;
    this.pool = pool;
  }

  /** Connects and applies pending migrations. */
  static async open(target: ConnectionTarget): Promise<Catalog> {
    const pool = new pg.Pool({ ...pgClientConfig(target), max: 5 });
    pool.on("error", () => {});
    try {
      const client = await pool.connect();
      try {
        await migrate(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => {});
      throw new CatalogUnavailable(`catalog database ${describeTarget(target)} is unavailable`, { cause: error });
    }
    return new Catalog(target, pool);
  }

  /** Runs `work` in one transaction: committed if it returns, rolled back if it throws. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Creates `database` on the server if it does not exist (used for the embedded catalog). */
export async function ensureDatabase(server: ConnectionTarget, database: string): Promise<void> {
  await withClient(withDatabase(server, "postgres"), async (client) => {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`).catch((error: { code?: string }) => {
      // Another process created it first.
      if (error.code !== "42P04") throw error;
    });
  });
}
