import pg from "pg";
import { pgClientConfig, type ConnectionTarget } from "./connection.ts";

/**
 * Opens one connection. `onConnectError` turns a failure to connect into the caller's tagged
 * error (the source, scratch server and catalog each fail differently).
 */
export async function connect(target: ConnectionTarget, onConnectError?: (error: unknown) => Error): Promise<pg.Client> {
  const client = new pg.Client(pgClientConfig(target));
  // A connection dropped while idle surfaces on the next query; do not crash the process for it.
  client.on("error", () => {});
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    throw onConnectError ? onConnectError(error) : error;
  }
}

/** Runs `work` on a connection that is closed afterwards, whatever happens. */
export async function withClient<T>(
  target: ConnectionTarget,
  work: (client: pg.Client) => Promise<T>,
  onConnectError?: (error: unknown) => Error,
): Promise<T> {
  const client = await connect(target, onConnectError);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}
