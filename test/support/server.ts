import { randomBytes } from "node:crypto";
import { startProcess, type RunningProcess } from "../../src/support/run-process.ts";
import { CLI } from "./cli.ts";
import type { TestPgproof } from "./databases.ts";

export interface ApiResponse {
  status: number;
  body: any;
  text: string;
}

/** A real `pgproof serve` process over a test file's catalog, with everything it prints kept for inspection. */
export class TestServer implements AsyncDisposable {
  readonly adminToken = `pgp_test_${randomBytes(16).toString("hex")}`;
  url = "";
  output = "";
  /** Every response body this server sent to the test. */
  readonly responses: string[] = [];
  private process: RunningProcess | undefined;

  async start(pgproof: TestPgproof, env: NodeJS.ProcessEnv = {}): Promise<this> {
    this.process = startProcess(process.execPath, [CLI, "serve", "--port", "0"], {
      env: { ...pgproof.cliEnv, PGPROOF_ADMIN_TOKEN: this.adminToken, PGPROOF_SECRET_KEY: randomBytes(32).toString("base64"), PGPROOF_LOG_LEVEL: "info", ...env },
      stderrLimit: 64 << 20,
    });
    this.process.stdout.setEncoding("utf8");
    this.url = await new Promise<string>((resolve, reject) => {
      this.process!.stdout.on("data", (chunk: string) => {
        this.output += chunk;
        const match = /serving (http:\/\/\S+) /.exec(this.output);
        if (match) resolve(match[1]!);
      });
      void this.process!.done.then((exit) => reject(new Error(`server exited early (${exit.code}): ${exit.stderr}`)));
    });
    return this;
  }

  async request(method: string, path: string, options: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<ApiResponse> {
    const token = options.token === undefined ? this.adminToken : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const response = await fetch(this.url + path, { method, headers, body });
    const text = await response.text();
    this.responses.push(text);
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text };
  }

  /** Polls `path` until `done(body)` holds. */
  async waitFor(path: string, done: (body: any) => boolean, timeoutMs = 60_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await this.request("GET", path);
      if (done(response.body)) return response.body;
      if (Date.now() > deadline) throw new Error(`timed out waiting on ${path}: ${response.text}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Stops the server with SIGINT and returns everything it printed. */
  async stop(): Promise<string> {
    if (!this.process) return this.output;
    this.process.child.kill("SIGINT");
    const exit = await this.process.done;
    this.process = undefined;
    this.output += exit.stderr;
    return this.output;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
