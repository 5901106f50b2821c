import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { ClusterFailure, ToolMissing } from "../domain/errors.ts";
import { runProcess, type ProcessResult } from "../support/run-process.ts";
import { candidateBinDirs, findBinary, serverAccount, type ServerAccount } from "./server-binaries.ts";
import type { ConnectionTarget } from "./connection.ts";

export interface ClusterOptions {
  /** Directory owned by this cluster: data/, server.log and the password file live here. */
  dir: string;
  /** Durability off: for throwaway clusters in tests only. */
  fast?: boolean;
  binDirs?: readonly string[];
}

const SUPERUSER = "postgres";

/**
 * A PostgreSQL cluster that pgproof runs itself on 127.0.0.1: the embedded catalog and scratch
 * server, or a throwaway server in tests. When run as root, the server runs as the `postgres` account.
 */
export class LocalCluster implements AsyncDisposable {
  readonly dir: string;
  readonly dataDir: string;
  private readonly binDir: string;
  private readonly account: ServerAccount | undefined;
  private readonly fast: boolean;
  private password = "";
  private startedHere = false;
  port = 0;

  constructor(options: ClusterOptions) {
    this.dir = options.dir;
    this.dataDir = join(options.dir, "data");
    this.fast = options.fast ?? false;
    const dirs = candidateBinDirs(options.binDirs);
    const initdb = dirs.find((d) => findBinary("initdb", [d]) && findBinary("pg_ctl", [d]) && findBinary("postgres", [d]));
    if (!initdb) throw new ToolMissing("no PostgreSQL server binaries (initdb, pg_ctl, postgres) found; install postgresql (e.g. apt-get install postgresql-15) or set PGPROOF_PG_BIN");
    this.binDir = initdb;
    this.account = serverAccount();
  }

  /** Creates the cluster if needed and starts it unless it is already running. Idempotent. */
  async start(): Promise<this> {
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    await chmod(this.dir, 0o755);
    if (this.account) await assertReachable(this.dir, this.account);
    const passwordFile = join(this.dir, "superuser-password");
    if (!existsSync(join(this.dataDir, "PG_VERSION"))) await this.init(passwordFile);
    this.password = (await readFile(passwordFile, "utf8")).trim();
    const running = await this.runningPort();
    if (running) {
      this.port = running;
      return this;
    }
    this.port = await this.preferredPort();
    const result = await this.pgCtl(["start", "-w", "-t", "60", "-l", join(this.dataDir, "pgproof-server.log"), "-o", `-p ${this.port}`]);
    if (result.code !== 0) {
      const log = await readFile(join(this.dataDir, "pgproof-server.log"), "utf8").catch(() => "");
      throw new ClusterFailure(`could not start PostgreSQL in ${this.dataDir}: ${result.stderr.trim()}\n${log.split("\n").slice(-15).join("\n")}`);
    }
    this.startedHere = true;
    await writeFile(join(this.dir, "port"), `${this.port}\n`);
    return this;
  }

  /** The port of the previous start when it is still free, so stored connection URLs keep working. */
  private async preferredPort(): Promise<number> {
    const previous = Number((await readFile(join(this.dir, "port"), "utf8").catch(() => "")).trim());
    if (Number.isInteger(previous) && previous > 0 && (await portIsFree(previous))) return previous;
    return freePort();
  }

  private async init(passwordFile: string): Promise<void> {
    await rm(this.dataDir, { recursive: true, force: true });
    await mkdir(this.dataDir, { mode: 0o700 });
    const password = randomBytes(24).toString("base64url");
    await writeFile(passwordFile, password + "\n", { mode: 0o600 });
    // initdb reads the password file as the server account.
    const initPwFile = join(this.dataDir, "..", `.initpw-${process.pid}`);
    await writeFile(initPwFile, password + "\n", { mode: 0o600 });
    try {
      if (this.account) {
        await chown(this.dataDir, this.account.uid, this.account.gid);
        await chown(initPwFile, this.account.uid, this.account.gid);
      }
      const result = await this.runServerTool("initdb", [
        "-D", this.dataDir, "-U", SUPERUSER, "--auth=scram-sha-256", `--pwfile=${initPwFile}`,
        "-E", "UTF8", "--locale=C", "--no-instructions", ...(this.fast ? ["--no-sync"] : []),
      ]);
      if (result.code !== 0) throw new ClusterFailure(`initdb failed: ${result.stderr.trim()}`);
    } finally {
      await rm(initPwFile, { force: true });
    }
    const settings = [
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      "max_connections = 100",
      "logging_collector = off",
      ...(this.fast ? ["fsync = off", "synchronous_commit = off", "full_page_writes = off"] : []),
    ];
    const conf = join(this.dataDir, "postgresql.conf");
    await writeFile(conf, (await readFile(conf, "utf8")) + "\n# pgproof\n" + settings.join("\n") + "\n");
  }

  /** The port of a server already running on this data directory, if any. */
  private async runningPort(): Promise<number | undefined> {
    const status = await this.pgCtl(["status"]);
    if (status.code !== 0) return undefined;
    const pid = await readFile(join(this.dataDir, "postmaster.pid"), "utf8").catch(() => "");
    const port = Number(pid.split("\n")[3]);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  }

  async stop(): Promise<void> {
    if (!existsSync(join(this.dataDir, "postmaster.pid"))) return;
    const result = await this.pgCtl(["stop", "-w", "-t", "60", "-m", "fast"]);
    if (result.code !== 0 && (await this.runningPort())) throw new ClusterFailure(`could not stop PostgreSQL in ${this.dataDir}: ${result.stderr.trim()}`);
  }

  /** Stops the server only if this object started it; a server someone else started keeps running. */
  async release(): Promise<void> {
    if (this.startedHere) await this.stop();
    this.startedHere = false;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  target(database = "postgres"): ConnectionTarget {
    return { host: "127.0.0.1", port: this.port, database, user: SUPERUSER, password: this.password, params: {} };
  }

  private pgCtl(args: string[]): Promise<ProcessResult> {
    return this.runServerTool("pg_ctl", ["-D", this.dataDir, ...args]);
  }

  private runServerTool(tool: string, args: string[]): Promise<ProcessResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: "C" };
    delete env.PGPASSWORD;
    return runProcess(join(this.binDir, tool), args, {
      uid: this.account?.uid,
      gid: this.account?.gid,
      env,
      cwd: "/",
      timeoutMs: 120_000,
      // Ctrl-C at a terminal signals the whole foreground group; the server must outlive the
      // work that still needs it and is stopped in order by release().
      detached: true,
    });
  }
}

/** The server account must be able to walk down to its data directory. */
async function assertReachable(dir: string, account: ServerAccount): Promise<void> {
  for (let current = dirname(dir); ; current = dirname(current)) {
    const info = await stat(current);
    const canEnter = info.uid === account.uid ? info.mode & 0o100 : info.gid === account.gid ? info.mode & 0o010 : info.mode & 0o001;
    if (!canEnter) throw new ClusterFailure(`the ${account.name} account cannot enter ${current}, which holds the embedded cluster; allow it (chmod o+x ${current}) or choose another PGPROOF_HOME`);
    if (current === dirname(current)) return;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
