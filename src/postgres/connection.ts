import { lookup } from "node:dns/promises";
import { userInfo } from "node:os";
import { InvalidInput } from "../domain/errors.ts";
import type { SourceIdentity } from "../domain/backup.ts";

/** A parsed PostgreSQL connection URL. The password is kept apart so it is easy to keep out of output. */
export interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  /** Extra libpq parameters from the query string (sslmode, …), never the password. */
  params: Record<string, string>;
}

export function parseConnectionUrl(raw: string, what = "connection URL"): ConnectionTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidInput(`${what} is not a valid URL (expected postgres://user:password@host:port/database)`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new InvalidInput(`${what} must start with postgres:// or postgresql://`);
  }
  const params: Record<string, string> = {};
  let password = url.password ? decodeURIComponent(url.password) : undefined;
  let host = url.hostname ? decodeURIComponent(url.hostname) : "";
  for (const [key, value] of url.searchParams) {
    if (key === "password") password = value;
    else if (key === "host" && !host) host = value;
    else if (key !== "host") params[key] = value;
  }
  const port = url.port ? Number(url.port) : Number(params.port ?? 5432);
  delete params.port;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new InvalidInput(`${what} has an invalid port`);
  const user = url.username ? decodeURIComponent(url.username) : userInfo().username;
  const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || user;
  return { host: host || "localhost", port, database, user, password, params };
}

export function withDatabase(target: ConnectionTarget, database: string): ConnectionTarget {
  return { ...target, database };
}

/** A target from an identity kept without its password: for comparing and describing, not connecting. */
export function identityTarget(identity: SourceIdentity): ConnectionTarget {
  return { host: identity.host, port: identity.port, database: identity.database, user: identity.user, password: undefined, params: {} };
}

export function identityOf(target: ConnectionTarget): SourceIdentity {
  return { host: target.host, port: target.port, database: target.database, user: target.user };
}

/** `user@host:port/database`, for messages and logs. */
export function describeTarget(target: Pick<ConnectionTarget, "host" | "port" | "database" | "user">): string {
  return `${target.user}@${target.host}:${target.port}/${target.database}`;
}

/** Full URL including the password, for in-process drivers only. */
export function toConnectionString(target: ConnectionTarget): string {
  const auth = encodeURIComponent(target.user) + (target.password ? `:${encodeURIComponent(target.password)}` : "");
  const hostIsPath = target.host.startsWith("/");
  const query = new URLSearchParams(target.params);
  if (hostIsPath) query.set("host", target.host);
  const hostPart = hostIsPath ? "" : target.host.includes(":") ? `[${target.host}]` : target.host;
  const qs = query.toString();
  return `postgresql://${auth}@${hostPart}:${target.port}/${encodeURIComponent(target.database)}${qs ? `?${qs}` : ""}`;
}

/** Environment for libpq tools: the password travels in PGPASSWORD, never on a command line. */
export function libpqEnv(target: ConnectionTarget, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PGHOST: target.host, PGPORT: String(target.port), PGUSER: target.user, PGDATABASE: target.database };
  delete env.PGPASSWORD;
  delete env.PGSERVICE;
  if (target.password !== undefined) env.PGPASSWORD = target.password;
  const map: Record<string, string> = { sslmode: "PGSSLMODE", sslrootcert: "PGSSLROOTCERT", sslcert: "PGSSLCERT", sslkey: "PGSSLKEY", application_name: "PGAPPNAME", connect_timeout: "PGCONNECT_TIMEOUT" };
  for (const [key, value] of Object.entries(target.params)) {
    const name = map[key];
    if (name) env[name] = value;
  }
  return env;
}

/** Options for node-postgres. */
export function pgClientConfig(target: ConnectionTarget): { connectionString: string; connectionTimeoutMillis: number } {
  return { connectionString: toConnectionString(target), connectionTimeoutMillis: 10_000 };
}

async function addressesOf(host: string): Promise<Set<string>> {
  if (host.startsWith("/")) return new Set([`socket:${host}`]);
  try {
    const found = await lookup(host, { all: true });
    const set = new Set(found.map((a) => a.address));
    // Loopback spellings all reach this machine.
    if ([...set].some((a) => a.startsWith("127.") || a === "::1")) set.add("loopback");
    return set;
  } catch {
    return new Set([host.toLowerCase()]);
  }
}

/** True when two targets name the same database on the same server, after resolving host names. */
export async function sameDatabase(a: ConnectionTarget, b: ConnectionTarget): Promise<boolean> {
  if (a.port !== b.port || a.database !== b.database) return false;
  const [x, y] = await Promise.all([addressesOf(a.host), addressesOf(b.host)]);
  for (const address of x) if (y.has(address)) return true;
  return false;
}
