import { randomUUID } from "node:crypto";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { toConnectionString, type ConnectionTarget } from "../src/postgres/connection.ts";
import { createDatabase, dropDatabase, openTestPgproof, sourceServer, sql, type TestPgproof } from "./support/databases.ts";
import { runCli } from "./support/cli.ts";
import { TestServer } from "./support/server.ts";

let pgproof: TestPgproof;
let server: TestServer;
let viewerToken: string;
let app: ConnectionTarget;
let sourceUrl: string;
/** A source whose password must never appear in any response or log line. */
const password = `pw-${randomUUID()}`;
const role = `api_user_${randomUUID().slice(0, 8)}`;

const TABLES_SQL = `
  CREATE TABLE public.accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) NOT NULL);
  INSERT INTO public.accounts SELECT i, 'owner ' || i, i * 1.5 FROM generate_series(1, 500) i;
  CREATE TABLE public.notes (id serial PRIMARY KEY, account_id int REFERENCES public.accounts (id), body text);
  INSERT INTO public.notes (account_id, body) SELECT 1 + i % 500, 'note ' || i FROM generate_series(1, 300) i;`;

async function contentOf(target: ConnectionTarget): Promise<string> {
  const [row] = await sql<{ digest: string }>(
    target,
    `SELECT md5(coalesce((SELECT string_agg(a::text, ',' ORDER BY id) FROM public.accounts a), '') || '|' ||
                coalesce((SELECT string_agg(n::text, ',' ORDER BY id) FROM public.notes n), '')) AS digest`,
  );
  return row!.digest;
}

beforeAll(async () => {
  pgproof = await openTestPgproof();
  await sql(sourceServer(), `CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${password}'`);
  app = { ...(await createDatabase(sourceServer(), "app", TABLES_SQL)), user: role, password };
  sourceUrl = toConnectionString(app);
  server = await new TestServer().start(pgproof);
  const viewer = await runCli(["token", "create", "--role", "viewer", "--name", "viewer", "--json"], pgproof.cliEnv);
  viewerToken = viewer.json.token;
});

afterAll(async () => {
  await server?.stop();
  await dropDatabase(app);
  await sql(sourceServer(), `DROP ROLE IF EXISTS ${role}`);
  await pgproof?.[Symbol.asyncDispose]();
});

async function createSource(name = `src-${randomUUID().slice(0, 8)}`, url = sourceUrl) {
  const response = await server.request("POST", "/api/v1/sources", { body: { name, url } });
  expect(response.status, response.text).toBe(201);
  return response.body;
}

async function completedBackup(sourceId: string) {
  const started = await server.request("POST", `/api/v1/sources/${sourceId}/backups`, { body: { verifyLevel: null } });
  expect(started.status, started.text).toBe(202);
  expect(started.body.status).toBe("in_progress");
  return server.waitFor(`/api/v1/backups/${started.body.id}`, (b) => b.status !== "in_progress");
}

async function verified(backupId: string, level = "full-restore") {
  const started = await server.request("POST", `/api/v1/backups/${backupId}/verifications`, { body: { level } });
  expect(started.status, started.text).toBe(202);
  expect(started.body.status).toBe("running");
  return server.waitFor(`/api/v1/verifications/${started.body.id}`, (v) => v.status !== "running");
}

const someId = "00000000-0000-4000-8000-000000000000";

interface RouteCase {
  method: string;
  path: string;
  adminOnly: boolean;
  body?: unknown;
}

const routes: RouteCase[] = [
  { method: "GET", path: "/api/v1/sources", adminOnly: false },
  { method: "POST", path: "/api/v1/sources", adminOnly: true, body: { name: "x", url: "postgres://u@h/db" } },
  { method: "GET", path: "/api/v1/sources/{id}", adminOnly: false },
  { method: "POST", path: "/api/v1/sources/test", adminOnly: true, body: { url: "postgres://u@127.0.0.1:1/db" } },
  { method: "GET", path: "/api/v1/me", adminOnly: false },
  { method: "PATCH", path: "/api/v1/sources/{id}", adminOnly: true, body: { paused: true } },
  { method: "DELETE", path: "/api/v1/sources/{id}", adminOnly: true },
  { method: "POST", path: "/api/v1/sources/{id}/backups", adminOnly: true },
  { method: "POST", path: "/api/v1/sources/{id}/retention", adminOnly: true, body: { dryRun: false } },
  { method: "GET", path: "/api/v1/backups", adminOnly: false },
  { method: "GET", path: "/api/v1/backups/{id}", adminOnly: false },
  { method: "DELETE", path: "/api/v1/backups/{id}", adminOnly: true },
  { method: "GET", path: "/api/v1/backups/{id}/artifact", adminOnly: true },
  { method: "POST", path: "/api/v1/backups/{id}/download-link", adminOnly: true },
  { method: "POST", path: "/api/v1/backups/{id}/verifications", adminOnly: true, body: { level: "header-only" } },
  { method: "GET", path: "/api/v1/verifications/{id}", adminOnly: false },
  { method: "POST", path: "/api/v1/backups/{id}/restore", adminOnly: true, body: { newDatabase: "restored" } },
  { method: "POST", path: "/api/v1/backups/{id}/restore/confirm", adminOnly: true, body: { confirmationToken: "pgp_x" } },
  { method: "GET", path: "/api/v1/restores/{id}", adminOnly: false },
  { method: "GET", path: "/api/v1/audit", adminOnly: false },
  { method: "GET", path: "/api/v1/config", adminOnly: false },
  { method: "PUT", path: "/api/v1/config", adminOnly: true, body: { defaultKeepLast: 3 } },
];

describe("access and errors, route by route", () => {
  for (const route of routes) {
    const name = `${route.method} ${route.path}`;
    const at = (id: string) => route.path.replace("{id}", id);

    test(`${name}: 401 without a token and with an unknown one`, async () => {
      for (const token of [null, "pgp_not_a_real_token"]) {
        const response = await server.request(route.method, at(someId), { token, body: route.body });
        expect(response.status).toBe(401);
        expect(response.body.error).toMatchObject({ code: "Unauthenticated" });
        expect(response.body.error.requestId).toBeTruthy();
      }
    });

    if (route.adminOnly) {
      test(`${name}: 403 for a viewer`, async () => {
        const response = await server.request(route.method, at(someId), { token: viewerToken, body: route.body });
        expect(response.status, response.text).toBe(403);
        expect(response.body.error.code).toBe("Forbidden");
      });
    }

    if (route.path.includes("{id}")) {
      test(`${name}: 404 for an unknown id, 400 for a non-UUID id`, async () => {
        const missing = await server.request(route.method, at(someId), { body: route.body });
        if (route.path.endsWith("/restore/confirm")) {
          // An unknown backup and an unknown token look the same to the caller: nothing to confirm.
          expect([403, 404]).toContain(missing.status);
        } else expect(missing.status, missing.text).toBe(404);
        const malformed = await server.request(route.method, at("not-a-uuid"), { body: route.body });
        expect(malformed.status, malformed.text).toBe(400);
        expect(malformed.body.error).toMatchObject({ code: "InvalidInput", path: ["id"] });
      });
    }
  }
});

describe("bad input gets a 4xx and changes nothing", () => {
  const badSources: Array<[string, unknown, string[]]> = [
    ["an invalid cron expression", { name: "a", url: "postgres://u@h/db", schedule: "61 25 * * *" }, ["schedule"]],
    ["a cron expression with too many fields", { name: "a", url: "postgres://u@h/db", schedule: "* * * * * * * *" }, ["schedule"]],
    ["an unknown time zone", { name: "a", url: "postgres://u@h/db", schedule: "0 3 * * *", timezone: "Mars/Olympus" }, ["timezone"]],
    ["an unknown field", { name: "a", url: "postgres://u@h/db", colour: "blue" }, []],
    ["a missing name", { url: "postgres://u@h/db" }, ["name"]],
    ["a URL that is not postgres", { name: "a", url: "mysql://u@h/db" }, ["url"]],
    ["an unknown verify level", { name: "a", url: "postgres://u@h/db", verifyLevel: "deep" }, ["verifyLevel"]],
    ["a negative retention", { name: "a", url: "postgres://u@h/db", retentionDays: -1 }, ["retentionDays"]],
  ];
  for (const [what, body, path] of badSources) {
    test(`POST /sources with ${what}: 400 naming the field`, async () => {
      const before = (await server.request("GET", "/api/v1/sources")).body.items.length;
      const response = await server.request("POST", "/api/v1/sources", { body });
      expect(response.status, response.text).toBe(400);
      expect(response.body.error.code).toBe("InvalidInput");
      if (path.length) expect(response.body.error.path).toEqual(path);
      expect((await server.request("GET", "/api/v1/sources")).body.items.length).toBe(before);
    });
  }

  test("a body that is not JSON: 400", async () => {
    const response = await server.request("POST", "/api/v1/sources", { raw: "{not json", headers: { "content-type": "application/json" } });
    expect(response.status).toBe(400);
  });

  test("a body over 1 MiB: 413", async () => {
    const response = await server.request("POST", "/api/v1/sources", { body: { name: "big", url: "postgres://u@h/db", pad: "x".repeat(1100 * 1024) } });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe("PayloadTooLarge");
  });

  test("PATCH with an invalid cron is refused and the schedule stays", async () => {
    const source = await createSource();
    await server.request("PATCH", `/api/v1/sources/${source.id}`, { body: { schedule: "*/15 * * * *" } });
    const response = await server.request("PATCH", `/api/v1/sources/${source.id}`, { body: { schedule: "every day" } });
    expect(response.status).toBe(400);
    expect((await server.request("GET", `/api/v1/sources/${source.id}`)).body.schedule).toBe("*/15 * * * *");
  });

  test.each([["../escape"], ["/absolute"], ["a/../../b"], ["a/.hidden"]])("PUT /config with storage prefix %s: 400, config unchanged", async (prefix) => {
    const before = (await server.request("GET", "/api/v1/config")).body;
    const response = await server.request("PUT", "/api/v1/config", { body: { storagePrefix: prefix } });
    expect(response.status).toBe(400);
    expect(response.body.error.path).toEqual(["storagePrefix"]);
    expect((await server.request("GET", "/api/v1/config")).body).toEqual(before);
  });

  test("a restore target that is the catalog database: 422", async () => {
    const source = await createSource();
    const backup = await completedBackup(source.id);
    const response = await server.request("POST", `/api/v1/backups/${backup.id}/restore`, { body: { targetUrl: toConnectionString(pgproof.catalogTarget) } });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe("RestoreTargetUnsafe");
  });

  test("both or neither restore target: 400", async () => {
    const response = await server.request("POST", `/api/v1/backups/${someId}/restore`, { body: { targetUrl: sourceUrl, newDatabase: "x" } });
    expect(response.status).toBe(400);
    expect((await server.request("POST", `/api/v1/backups/${someId}/restore`, { body: {} })).status).toBe(400);
  });
});

describe("state conflicts", () => {
  test("409 for a backup in the wrong state; 409 deleting a source that has backups", async () => {
    const empty = await createDatabase(sourceServer(), "emptyapi");
    try {
      const source = await createSource(undefined, toConnectionString(empty));
      const failed = await completedBackup(source.id);
      expect(failed.status).toBe("failed");
      expect(failed.error).toMatch(/no base tables/);
      for (const level of ["header-only", "full-restore"]) {
        const response = await server.request("POST", `/api/v1/backups/${failed.id}/verifications`, { body: { level } });
        expect(response.status, response.text).toBe(409);
        expect(response.body.error.code).toBe("BackupInvalidState");
      }
      expect((await server.request("POST", `/api/v1/backups/${failed.id}/restore`, { body: { newDatabase: "nope" } })).status).toBe(409);
      expect((await server.request("GET", `/api/v1/backups/${failed.id}/artifact`)).status).toBe(409);
      const refused = await server.request("DELETE", `/api/v1/sources/${source.id}`);
      expect(refused.status).toBe(409);
      expect((await server.request("GET", `/api/v1/sources/${source.id}`)).status).toBe(200);
      expect((await server.request("DELETE", `/api/v1/sources/${source.id}?deleteBackups=true`)).status).toBe(204);
      expect((await server.request("GET", `/api/v1/backups/${failed.id}`)).status).toBe(404);
    } finally {
      await dropDatabase(empty);
    }
  });
});

describe("sources, backups, verifications", () => {
  test("a source's URL is stored sealed and never returned; next runs are shown", async () => {
    const response = await server.request("POST", "/api/v1/sources", { body: { name: "scheduled", url: sourceUrl, schedule: "0 3 * * *", timezone: "Europe/Berlin" } });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ host: "127.0.0.1", database: app.database, user: role, verifyLevel: "full-restore" });
    expect(response.body.url).toBeUndefined();
    expect(response.body.nextRuns).toHaveLength(5);
    expect(new Date(response.body.nextRuns[0]).getUTCHours()).toBe(2); // 03:00 in Berlin, winter
    const [row] = await sql<{ sealed: string }>(pgproof.catalogTarget, "SELECT url_sealed::text AS sealed FROM sources WHERE id = $1", [response.body.id]);
    expect(row!.sealed).not.toContain(Buffer.from(password).toString("hex"));
    expect((await server.request("POST", "/api/v1/sources", { body: { name: "scheduled", url: sourceUrl } })).status).toBe(409);
  });

  test("list newest first with filters and cursor pagination; detail has manifest and history; artifact streams", async () => {
    const source = await createSource();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await completedBackup(source.id)).id);
    const check = await verified(ids[2]!, "header-only");
    expect(check.status).toBe("passed");

    const first = await server.request("GET", `/api/v1/backups?sourceId=${source.id}&limit=2`);
    expect(first.body.items.map((b: { id: string }) => b.id)).toEqual([ids[2], ids[1]]);
    const second = await server.request("GET", `/api/v1/backups?sourceId=${source.id}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((b: { id: string }) => b.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
    const onlyVerified = await server.request("GET", `/api/v1/backups?sourceId=${source.id}&status=verified`);
    expect(onlyVerified.body.items.map((b: { id: string }) => b.id)).toEqual([ids[2]]);
    expect((await server.request("GET", "/api/v1/backups?status=bogus")).status).toBe(400);
    expect((await server.request("GET", "/api/v1/backups?cursor=garbage")).status).toBe(400);

    const detail = await server.request("GET", `/api/v1/backups/${ids[2]}`);
    expect(detail.body.manifestTables.map((t: { table: string }) => t.table)).toEqual(["public.accounts", "public.notes"]);
    expect(detail.body.verifications).toHaveLength(1);
    expect(detail.body.verifications[0]).toMatchObject({ level: "header-only", status: "passed" });

    const artifact = await fetch(`${server.url}/api/v1/backups/${ids[2]}/artifact`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    expect(artifact.status).toBe(200);
    const bytes = Buffer.from(await artifact.arrayBuffer());
    expect(bytes.length).toBe(detail.body.sizeBytes);
    expect(bytes.subarray(0, 5).toString()).toBe("PGDMP");

    const link = await server.request("POST", `/api/v1/backups/${ids[2]}/download-link`);
    expect(link.status).toBe(200);
    const viaLink = await fetch(`${server.url}${link.body.url}`);
    expect(Buffer.from(await viaLink.arrayBuffer())).toEqual(bytes);
    expect((await fetch(`${server.url}${link.body.url}`)).status).toBe(403); // single use

    expect((await server.request("DELETE", `/api/v1/backups/${ids[0]}`)).status).toBe(204);
    expect((await server.request("GET", `/api/v1/backups/${ids[0]}`)).status).toBe(404);
    expect(await pgproof.ctx.storage.stat(`${ids[0]}.dump`)).toBeNull();
  });
});

describe("guarded restore", () => {
  test("round trip: change and drop data, restore through two steps: the data is back and the safety backup verifies", async () => {
    const original = await contentOf(app);
    const source = await createSource();
    const backup = await completedBackup(source.id);
    expect((await verified(backup.id)).status).toBe("passed");

    await sql(app, "UPDATE public.accounts SET balance = 0 WHERE id <= 100; DELETE FROM public.notes WHERE id > 10; DROP TABLE public.notes CASCADE");
    expect((await sql(app, "SELECT to_regclass('public.notes') AS t"))[0]!.t).toBeNull();

    const ticket = await server.request("POST", `/api/v1/backups/${backup.id}/restore`, { body: { targetUrl: sourceUrl } });
    expect(ticket.status, ticket.text).toBe(200);
    expect(ticket.body.plan.join(" ")).toMatch(/safety backup/);
    expect(Date.parse(ticket.body.expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    const confirmed = await server.request("POST", `/api/v1/backups/${backup.id}/restore/confirm`, { body: { confirmationToken: ticket.body.confirmationToken } });
    expect(confirmed.status, confirmed.text).toBe(202);
    const restore = await server.waitFor(`/api/v1/restores/${confirmed.body.id}`, (r) => r.status === "succeeded" || r.status === "failed");
    expect(restore.status, restore.message).toBe("succeeded");
    expect(await contentOf(app)).toBe(original);

    expect(restore.safetyBackupId).toBeTruthy();
    expect(restore.message).toContain(restore.safetyBackupId);
    const safety = await server.request("GET", `/api/v1/backups/${restore.safetyBackupId}`);
    expect(safety.body.status).toBe("completed");
    expect(safety.body.manifestTables.map((t: { table: string }) => t.table)).toEqual(["public.accounts"]);
    expect((await verified(restore.safetyBackupId)).status).toBe("passed");

    const reused = await server.request("POST", `/api/v1/backups/${backup.id}/restore/confirm`, { body: { confirmationToken: ticket.body.confirmationToken } });
    expect(reused.status).toBe(403);
    expect(reused.body.error.message).toMatch(/already been used/);
  });

  test("restore into a new database on the source's server", async () => {
    const source = await createSource();
    const backup = await completedBackup(source.id);
    const name = `restored_${randomUUID().slice(0, 8)}`;
    const ticket = await server.request("POST", `/api/v1/backups/${backup.id}/restore`, { body: { newDatabase: name } });
    const confirmed = await server.request("POST", `/api/v1/backups/${backup.id}/restore/confirm`, { body: { confirmationToken: ticket.body.confirmationToken, allowUnverified: true } });
    expect(confirmed.status, confirmed.text).toBe(202);
    const restore = await server.waitFor(`/api/v1/restores/${confirmed.body.id}`, (r) => r.status === "succeeded" || r.status === "failed");
    expect(restore.status, restore.message).toBe("succeeded");
    expect(restore.safetyBackupId).toBeNull();
    const target = { ...app, database: name };
    try {
      expect(await contentOf(target)).toBe(await contentOf(app));
    } finally {
      await dropDatabase(target);
    }
  });

  test("an expired token, a reused token, a token for another backup and an unverified backup without allowUnverified are rejected and change nothing", async () => {
    const source = await createSource();
    const backup = await completedBackup(source.id);
    const other = await completedBackup(source.id);
    const restoresBefore = (await sql<{ n: number }>(pgproof.catalogTarget, "SELECT count(*)::int AS n FROM restores"))[0]!.n;
    const contentBefore = await contentOf(app);
    const ask = async () => (await server.request("POST", `/api/v1/backups/${backup.id}/restore`, { body: { targetUrl: sourceUrl } })).body.confirmationToken as string;
    const confirm = (id: string, token: string, allowUnverified?: boolean) =>
      server.request("POST", `/api/v1/backups/${id}/restore/confirm`, { body: { confirmationToken: token, ...(allowUnverified ? { allowUnverified } : {}) } });

    const expired = await ask();
    await sql(pgproof.catalogTarget, "UPDATE restore_requests SET expires_at = now() - interval '1 second' WHERE used_at IS NULL AND backup_id = $1", [backup.id]);
    const expiredResponse = await confirm(backup.id, expired, true);
    expect(expiredResponse.status).toBe(403);
    expect(expiredResponse.body.error.message).toMatch(/expired/);

    const forOther = await ask();
    const otherResponse = await confirm(other.id, forOther, true);
    expect(otherResponse.status).toBe(403);
    expect(otherResponse.body.error.message).toMatch(/another backup/);

    const unverified = await confirm(backup.id, forOther);
    expect(unverified.status).toBe(409);
    expect(unverified.body.error.message).toMatch(/allowUnverified/);

    const viewerTry = await server.request("POST", `/api/v1/backups/${backup.id}/restore/confirm`, { token: viewerToken, body: { confirmationToken: forOther } });
    expect(viewerTry.status).toBe(403);

    expect((await sql<{ n: number }>(pgproof.catalogTarget, "SELECT count(*)::int AS n FROM restores"))[0]!.n).toBe(restoresBefore);
    expect(await contentOf(app)).toBe(contentBefore);
    // None of the refusals spent the token.
    const [request] = await sql<{ used_at: Date | null }>(pgproof.catalogTarget, "SELECT used_at FROM restore_requests WHERE backup_id = $1 AND expires_at > now()", [backup.id]);
    expect(request!.used_at).toBeNull();

    const audit = await server.request("GET", "/api/v1/audit?limit=200");
    const denied = audit.body.items.filter((e: { action: string; outcome: string }) => e.action === "restore.confirm" && e.outcome === "denied");
    expect(denied.length).toBeGreaterThanOrEqual(3);
  });
});

describe("audit, config, OpenAPI", () => {
  test("mutations and refusals are in the audit trail, with actors and no secrets", async () => {
    await createSource();
    await server.request("GET", "/api/v1/sources", { token: "pgp_wrong" });
    const audit = await server.request("GET", "/api/v1/audit?limit=500", { token: viewerToken });
    expect(audit.status).toBe(200);
    const actions = new Set(audit.body.items.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`));
    expect(actions).toContain("source.create:ok");
    expect(actions).toContain("auth:denied");
    expect(audit.body.items.find((e: { action: string }) => e.action === "source.create").actor).toMatch(/^token:/);
    expect(audit.text).not.toContain(password);
    expect(audit.text).not.toContain(server.adminToken);
  });

  test("config round trip; a scratch URL is accepted but never shown with its password", async () => {
    const put = await server.request("PUT", "/api/v1/config", { body: { defaultRetentionDays: 14, defaultVerifyLevel: "header-only", storagePrefix: "team-a/nightly" } });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ defaultRetentionDays: 14, defaultVerifyLevel: "header-only", storage: { prefix: "team-a/nightly" } });
    const source = await createSource();
    expect(source.verifyLevel).toBe("header-only");
    expect(source.retentionDays).toBe(14);
    const backup = await completedBackup(source.id);
    expect(await pgproof.ctx.storage.stat(`team-a/nightly/${backup.id}.dump`)).not.toBeNull();
    await server.request("PUT", "/api/v1/config", { body: { defaultRetentionDays: null, defaultVerifyLevel: "full-restore", storagePrefix: "" } });
    // The old backup stays readable where its key says.
    expect((await verified(backup.id, "header-only")).status).toBe("passed");
  });

  test("the OpenAPI document validates and lists every route", async () => {
    const response = await fetch(`${server.url}/api/openapi.json`);
    const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const listed = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual([...routes.map((r) => `${r.method} ${r.path}`), "GET /api/health", "GET /api/download/{token}"].sort());
  });
});

describe("secrets", () => {
  test("no response body and no log line of this run contains the source password or a token", async () => {
    const output = await server.stop();
    expect(output.length).toBeGreaterThan(1000);
    expect(output).toContain("request");
    for (const text of [output, ...server.responses]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(server.adminToken);
    }
    server = await new TestServer().start(pgproof);
  });
});

describe("console helpers", () => {
  test("a manual backup is verified at the source's level unless told otherwise; /me names the caller; the connection test saves nothing", async () => {
    const source = await createSource();
    const started = await server.request("POST", `/api/v1/sources/${source.id}/backups`);
    expect(started.status).toBe(202);
    const done = await server.waitFor(`/api/v1/backups/${started.body.id}`, (b) => b.status === "verified" || b.status === "failed");
    expect(done).toMatchObject({ status: "verified", verifyLevel: "full-restore" });
    expect(done.lastVerification).toMatchObject({ level: "full-restore", status: "passed" });
    expect(done.lastVerification.restoreMs).toBeGreaterThan(0);

    expect((await server.request("GET", "/api/v1/me", { token: viewerToken })).body).toEqual({ name: "viewer", role: "viewer" });
    const before = (await server.request("GET", "/api/v1/sources")).body.items.length;
    const good = await server.request("POST", "/api/v1/sources/test", { body: { url: sourceUrl } });
    expect(good.body).toMatchObject({ ok: true, baseTables: 2 });
    const bad = await server.request("POST", "/api/v1/sources/test", { body: { url: toConnectionString({ ...app, port: 1 }) } });
    expect(bad.body.ok).toBe(false);
    expect(bad.body.message).toMatch(/cannot connect/);
    expect(bad.text).not.toContain(password);
    expect((await server.request("GET", "/api/v1/sources")).body.items.length).toBe(before);
  });
});
