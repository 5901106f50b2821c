import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runProcess } from "../src/support/run-process.ts";

const BENCH = fileURLToPath(new URL("../bench/run.ts", import.meta.url));

describe("benchmark script", () => {
  test("runs end to end at a tiny scale (timings are not asserted here)", async () => {
    const result = await runProcess(process.execPath, [BENCH, "--scale", "1", "--rounds", "1", "--api-backups", "200", "--sources", "2"], { timeoutMs: 240_000, stderrLimit: 1 << 20 });
    expect(result.code, result.stderr).toBe(0);
    for (const heading of ["### 1. Backup", "### 2. Verify: full restore", "### 3. Verify: header only", "### 4. Peak memory", "### 5. API", "### 6. Scheduled work"]) expect(result.stdout).toContain(heading);
    expect(result.stdout).toMatch(/\| pgproof backup \| [\d.]+ s \| [\d.]+x \|/);
  }, 260_000);
});
