import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { freePort } from "../src/postgres/cluster.ts";
import { runProcess, startProcess } from "../src/support/run-process.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
let root: string;
let clone: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "pgproof-first-run-"));
  await chmod(root, 0o755);
  clone = join(root, "pgproof");
  const cloned = await runProcess("git", ["clone", "--quiet", REPO, clone]);
  expect(cloned.code, cloned.stderr).toBe(0);
  const installed = await runProcess("npm", ["ci", "--no-audit", "--no-fund"], { cwd: clone, timeoutMs: 400_000 });
  expect(installed.code, installed.stderr).toBe(0);
}, 420_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs README's first command (`npm start`, after `npm ci`), waits for health, checks, then Ctrl-C. */
async function firstCommand(home: string, check: (url: string, output: () => string) => Promise<void>): Promise<string> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PGPROOF_HOME: home, PGPROOF_PORT: String(port) };
  for (const key of ["PGPROOF_CATALOG_URL", "PGPROOF_SCRATCH_URL", "PGPROOF_STORAGE", "PGPROOF_SOURCE_URL", "PGPROOF_ADMIN_TOKEN", "PGPROOF_SECRET_KEY"]) delete env[key];
  const started = startProcess("npm", ["start"], { cwd: clone, env, stderrLimit: 1 << 20, detached: true, timeoutMs: 300_000 });
  let output = "";
  started.stdout.setEncoding("utf8");
  started.stdout.on("data", (chunk: string) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 240_000;
  for (;;) {
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline || started.child.exitCode !== null) throw new Error(`pgproof did not come up:\n${output}\n${(await Promise.race([started.done, Promise.resolve(undefined)]))?.stderr ?? ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await check(url, () => output);
  // Ctrl-C: SIGINT to the whole foreground process group.
  process.kill(-started.child.pid!, "SIGINT");
  const exit = await started.done;
  // npm itself reports the interrupt as 130, as it does at a terminal; pgproof must have stopped in order.
  expect([0, 130], exit.stderr).toContain(exit.code);
  expect(exit.stderr).not.toMatch(/Error|error:/);
  // npm returns on the interrupt at once; pgproof and its cluster stop in order within a grace period.
  let left = "";
  for (let waited = 0; waited < 30_000; waited += 250) {
    left = (await runProcess("pgrep", ["-fa", `${home}|${clone}/src/cli`])).stdout.trim();
    if (!left) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(left, "processes left running").toBe("");
  return output;
}

describe("first run on the embedded default", () => {
  test("`npm start` in a fresh clone with an empty PGPROOF_HOME proves a demo backup, serves, and stops cleanly; a second start reuses it", async () => {
    const home = join(root, "home");
    let token = "";
    const first = await firstCommand(home, async (url) => {
      token = (await readFile(join(home, "admin-token"), "utf8")).trim();
      const headers = { authorization: `Bearer ${token}` };
      const health = await (await fetch(`${url}/api/health`)).json() as { components: { backups: Array<{ sourceId: string; status: string }> } };
      expect(health.components.backups).toHaveLength(1);
      const sourceId = health.components.backups[0]!.sourceId;
      const backups = await (await fetch(`${url}/api/v1/backups?sourceId=${sourceId}`, { headers })).json() as { items: Array<{ status: string; verifyLevel: string }> };
      expect(backups.items[0]).toMatchObject({ status: "verified", verifyLevel: "full-restore" });
      const console = await (await fetch(url)).text();
      expect(console).toContain('<div id="root">');
    });
    expect(first).toContain(token);
    expect(first).toMatch(/proved it restores/);

    const second = await firstCommand(home, async (url) => {
      const headers = { authorization: `Bearer ${token}` };
      const sources = await (await fetch(`${url}/api/v1/sources`, { headers })).json() as { items: unknown[] };
      expect(sources.items).toHaveLength(1);
    });
    expect(second).toMatch(/already has a verified backup/);
    expect(second).not.toMatch(/created the demo database/);
    expect((await readFile(join(home, "admin-token"), "utf8")).trim()).toBe(token);
  }, 600_000);
});
