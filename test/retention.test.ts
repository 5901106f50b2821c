import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { planRetention, type RetentionCandidate, type RetentionPolicy } from "../src/domain/retention.ts";
import { listBackups } from "../src/catalog/backups.ts";
import { runBackup } from "../src/engine/backup.ts";
import { runVerification } from "../src/engine/verify.ts";
import { applyRetention, sweepOrphanArtifacts } from "../src/jobs/retention.ts";
import { toConnectionString } from "../src/postgres/connection.ts";
import { sql } from "./support/databases.ts";
import { useRichSourceFixture } from "./support/rich-source.ts";
import { WorkerFleet } from "./support/workers.ts";

const DAY = 86_400_000;
const NOW = new Date("2026-06-15T12:00:00Z");
const none: RetentionPolicy = { retentionDays: null, keepLast: null, gfsDaily: null, gfsWeekly: null, gfsMonthly: null };

function daily(days: number, status: RetentionCandidate["status"] = "completed"): RetentionCandidate[] {
  return Array.from({ length: days }, (_, i) => ({ id: `b${i}`, createdAt: new Date(NOW.getTime() - i * DAY), status }));
}

describe("retention plan (fake clock)", () => {
  test("no policy keeps everything", () => {
    expect(planRetention(daily(40), none, NOW).purge).toEqual([]);
  });

  test("keep N days and the last N: exactly the expired ones go", () => {
    const plan = planRetention(daily(20), { ...none, retentionDays: 7, keepLast: 10 }, NOW);
    expect(plan.purge).toEqual(daily(20).slice(10).map((b) => b.id));
    const byDays = planRetention(daily(20), { ...none, retentionDays: 7 }, NOW);
    // b0..b7 are within seven days (b7 exactly at the edge).
    expect(byDays.purge).toEqual(daily(20).slice(8).map((b) => b.id));
  });

  test("the newest verified backup is never purged; in-progress backups are never touched", () => {
    const backups = daily(10);
    backups[8]!.status = "verified";
    backups[9]!.status = "in_progress";
    const plan = planRetention(backups, { ...none, keepLast: 2 }, NOW);
    expect(plan.purge).toEqual(["b2", "b3", "b4", "b5", "b6", "b7"]);
    expect(plan.keep.get("b8")).toBe("newest verified backup");
  });

  test("grandfather-father-son keeps the newest of each of the last days, weeks and months", () => {
    const plan = planRetention(daily(120), { ...none, gfsDaily: 3, gfsWeekly: 2, gfsMonthly: 3 }, NOW);
    const kept = [...plan.keep.keys()].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    // Days: 15, 14, 13 June. Weeks: the one of Mon 15 June (b0) and of 8-14 June (b1). Months: June (b0), May 31 (b15), April 30 (b46).
    expect(kept).toEqual(["b0", "b1", "b2", "b15", "b46"]);
  });
});

describe("retention applied to real backups", () => {
  const fixture = useRichSourceFixture();

  test("purges expired backups, keeps the newest verified one, hides before deleting, and sweeps orphans; a dry run changes nothing", async () => {
    const pgproof = fixture.pgproof();
    const fleet = new WorkerFleet(pgproof);
    const source = await fleet.addSource({ name: "retained", url: toConnectionString(fixture.source()), retentionDays: 7, keepLast: 2 });
    const ages = [1, 3, 10, 20, 30];
    const ids: Record<number, string> = {};
    for (const age of ages) {
      const backup = await runBackup(pgproof.ctx, { source: fixture.source(), sourceId: source.id });
      await sql(pgproof.catalogTarget, "UPDATE backups SET created_at = now() - make_interval(days => $2) WHERE id = $1", [backup.id, age]);
      ids[age] = backup.id;
    }
    await runVerification(pgproof.ctx, { backupId: ids[20]!, level: "header-only", triggeredBy: "test" });

    const dry = await applyRetention(pgproof.ctx, source.id, { dryRun: true });
    expect(dry.purged.map((p) => p.id).sort()).toEqual([ids[10], ids[30]].sort());
    for (const age of ages) expect(await pgproof.ctx.storage.stat(`${ids[age]}.dump`)).not.toBeNull();

    const applied = await applyRetention(pgproof.ctx, source.id);
    expect(applied.purged.map((p) => p.id).sort()).toEqual([ids[10], ids[30]].sort());
    const left = (await listBackups(pgproof.ctx.catalog.pool, { limit: 100 })).filter((b) => b.sourceId === source.id).map((b) => b.id);
    expect(left.sort()).toEqual([ids[1], ids[3], ids[20]].sort());
    expect(await pgproof.ctx.storage.stat(`${ids[10]}.dump`)).toBeNull();
    expect(await pgproof.ctx.storage.stat(`${ids[20]}.dump`)).not.toBeNull();

    // A purge that crashed after hiding a backup: unlisted at once, finished by the next run.
    await sql(pgproof.catalogTarget, "UPDATE backups SET purging_at = now() WHERE id = $1", [ids[3]]);
    expect((await listBackups(pgproof.ctx.catalog.pool, { limit: 100 })).map((b) => b.id)).not.toContain(ids[3]);
    await applyRetention(pgproof.ctx, source.id);
    expect(await pgproof.ctx.storage.stat(`${ids[3]}.dump`)).toBeNull();
    expect(await sql(pgproof.catalogTarget, "SELECT 1 FROM backups WHERE id = $1", [ids[3]])).toEqual([]);

    // A purge that crashed after deleting the row: the artifact is an orphan, swept next time.
    const orphan = `${randomUUID()}.dump`;
    await writeFile(join(pgproof.storageDir, orphan), "leftover");
    expect(await sweepOrphanArtifacts(pgproof.ctx)).toEqual([orphan]);
    expect(await pgproof.ctx.storage.stat(orphan)).toBeNull();
    expect(await pgproof.ctx.storage.stat(`${ids[1]}.dump`)).not.toBeNull();
  });
});
