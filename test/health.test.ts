import { createServer, type Server } from "node:http";
import { truncate } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { toConnectionString } from "../src/postgres/connection.ts";
import { createDatabase, dropDatabase, sql } from "./support/databases.ts";
import { useRichSourceFixture } from "./support/rich-source.ts";
import { TestServer } from "./support/server.ts";
import { eventually, sleep } from "./support/workers.ts";
import { sourceServer } from "./support/databases.ts";

const fixture = useRichSourceFixture();
let server: TestServer;
let hooks: Server;
const received: Array<{ event: string; body: any }> = [];
let failNext = 1;

beforeAll(async () => {
  hooks = createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      const body = JSON.parse(text);
      received.push({ event: body.event, body });
      // The first delivery fails, to show that deliveries are retried.
      res.statusCode = failNext-- > 0 ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", r));
  const port = (hooks.address() as { port: number }).port;
  server = await new TestServer().start(fixture.pgproof(), { PGPROOF_WEBHOOK_URLS: `http://127.0.0.1:${port}/hook`, PGPROOF_SCHEDULER_INTERVAL_MS: "300" });
});
afterAll(async () => {
  await server.stop();
  await new Promise((r) => hooks.close(r));
});

async function healthOf(sourceId: string) {
  const response = await fetch(`${server.url}/api/health`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { components: { backups: Array<{ sourceId: string }> } };
  return body.components.backups.find((b) => b.sourceId === sourceId) as Record<string, any>;
}

async function metric(name: string, labels: string): Promise<number | undefined> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").at(-1)) : undefined;
}

async function verifiedBackup(sourceId: string): Promise<string> {
  const started = await server.request("POST", `/api/v1/sources/${sourceId}/backups`, { body: { verifyLevel: null } });
  const backup = await server.waitFor(`/api/v1/backups/${started.body.id}`, (b) => b.status !== "in_progress");
  const verification = await server.request("POST", `/api/v1/backups/${backup.id}/verifications`, { body: { level: "full-restore" } });
  await server.waitFor(`/api/v1/verifications/${verification.body.id}`, (v) => v.status !== "running");
  return backup.id;
}

describe("health, metrics and alerts", () => {
  test("degraded while overdue, healthy after a verified backup; metrics move; one overdue alert per episode, delivered despite a failure", async () => {
    const created = await server.request("POST", "/api/v1/sources", { body: { name: "watched", url: toConnectionString(fixture.source()), schedule: "0 * * * *" } });
    const id = created.body.id;
    expect(await healthOf(id)).toMatchObject({ status: "degraded", reason: "no verified backup yet" });
    const verifiedBefore = (await metric("pgproof_backups", 'status="verified"')) ?? 0;

    const overdue = await eventually(async () => received.filter((r) => r.event === "backup.overdue" && r.body.source.id === id), "an overdue alert", 30_000).then(async () => {
      await eventually(async () => received.filter((r) => r.event === "backup.overdue").length >= 2, "the retried delivery", 30_000);
      return received.filter((r) => r.event === "backup.overdue");
    });
    expect(overdue[0]!.body).toEqual(overdue[1]!.body);
    await sleep(1500);
    expect(received.filter((r) => r.event === "backup.overdue")).toHaveLength(2);

    await verifiedBackup(id);
    expect(await healthOf(id)).toMatchObject({ status: "healthy", reason: null });
    expect(await metric("pgproof_backups", 'status="verified"')).toBe(verifiedBefore + 1);
    const lastVerified = await metric("pgproof_last_verified_timestamp_seconds", 'source="watched"');
    expect(lastVerified).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(await metric("pgproof_restore_duration_seconds", 'source="watched"')).toBeGreaterThan(0);

    // Two hours old is more than an hourly window plus 25 %.
    await sql(fixture.pgproof().catalogTarget, "UPDATE backups SET created_at = now() - interval '2 hours' WHERE source_id = $1", [id]);
    const degraded = await healthOf(id);
    expect(degraded.status).toBe("degraded");
    expect(degraded.reason).toMatch(/cadence window/);
    await eventually(async () => received.filter((r) => r.event === "backup.overdue" && r.body.source.id === id).length >= 3, "a second episode's alert", 30_000);

    await verifiedBackup(id);
    expect((await healthOf(id)).status).toBe("healthy");
    expect(await metric("pgproof_backups", 'status="verified"')).toBe(verifiedBefore + 2);
    expect(await metric("pgproof_last_verified_timestamp_seconds", 'source="watched"')).toBeGreaterThan(lastVerified!);

    await sql(fixture.pgproof().catalogTarget, "UPDATE sources SET rto_seconds = 1 WHERE id = $1", [id]);
    await sql(fixture.pgproof().catalogTarget, "UPDATE verifications SET restore_ms = 5000 FROM backups b WHERE b.id = backup_id AND b.source_id = $1", [id]);
    expect((await healthOf(id)).reason).toMatch(/restore-time budget/);

    await server.request("PATCH", `/api/v1/sources/${id}`, { body: { paused: true } });
    expect(await healthOf(id)).toMatchObject({ status: "disabled" });
  });

  test("failed backups and failed verifications raise webhooks without secrets", async () => {
    const empty = await createDatabase(sourceServer(), "hookempty");
    try {
      const bad = await server.request("POST", "/api/v1/sources", { body: { name: "empty-hooks", url: toConnectionString(empty) } });
      await server.request("POST", `/api/v1/sources/${bad.body.id}/backups`);
      const failed = await eventually(async () => received.find((r) => r.event === "backup.failed" && r.body.source.id === bad.body.id), "a backup.failed webhook", 30_000);
      expect(failed.body.backup.error).toMatch(/no base tables/);

      const good = await server.request("POST", "/api/v1/sources", { body: { name: "corrupted-hooks", url: toConnectionString(fixture.source()) } });
      const started = await server.request("POST", `/api/v1/sources/${good.body.id}/backups`, { body: { verifyLevel: null } });
      const backup = await server.waitFor(`/api/v1/backups/${started.body.id}`, (b) => b.status !== "in_progress");
      await truncate(join(fixture.pgproof().storageDir, `${backup.id}.dump`), 100);
      await server.request("POST", `/api/v1/backups/${backup.id}/verifications`, { body: { level: "header-only" } });
      const verification = await eventually(async () => received.find((r) => r.event === "verification.failed" && r.body.backup.id === backup.id), "a verification.failed webhook", 30_000);
      expect(verification.body.verification.level).toBe("header-only");
      for (const r of received) expect(JSON.stringify(r.body)).not.toContain(fixture.source().password!);
    } finally {
      await dropDatabase(empty);
    }
  });

  test("/api/health needs no token and shows no connection details", async () => {
    const response = await fetch(`${server.url}/api/health`);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).not.toContain(fixture.source().password!);
    expect(text).not.toContain("postgres://");
  });
});
