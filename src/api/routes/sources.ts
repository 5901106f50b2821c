import { createRoute } from "@hono/zod-openapi";
import { BackupView, CallerView, ConnectionTestInput, ConnectionTestView, DeleteSourceQuery, StartBackupInput, IdParam, RetentionInput, RetentionView, SourceCreate, SourceList, SourcePatch, SourceView } from "../../domain/api.ts";
import { applyRetention } from "../../jobs/retention.ts";
import { Conflict } from "../../domain/errors.ts";
import { countBackupsOfSource, deleteBackupRow, listBackupsPage } from "../../catalog/backups.ts";
import { getSettings } from "../../catalog/settings.ts";
import { deleteSource, getSource, insertSource, listSources, updateSource } from "../../catalog/sources.ts";
import { createBackupRecord } from "../../engine/backup.ts";
import { identityTarget, parseConnectionUrl } from "../../postgres/connection.ts";
import { withClient } from "../../postgres/client.ts";
import { listBaseTables, serverFacts } from "../../engine/manifest-capture.ts";
import { toError } from "../../domain/errors.ts";
import { redact } from "../../support/redact.ts";
import { audit, requireRole, type ApiApp, type ApiDeps } from "../context.ts";
import { errorResponses, json, jsonBody, security } from "../openapi-common.ts";
import { backupView, sourceView } from "../views.ts";

const tags = ["sources"];

export function registerSourceRoutes(app: ApiApp, deps: ApiDeps): void {
  const db = deps.ctx.catalog.pool;

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/sources", tags, security, responses: { 200: json(SourceList, "all sources"), ...errorResponses } }),
    async (c) => c.json({ items: (await listSources(db)).map(sourceView) }, 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sources",
      tags,
      security,
      request: { body: jsonBody(SourceCreate) },
      responses: { 201: json(SourceView, "the new source; its URL is stored encrypted and never returned"), ...errorResponses },
    }),
    async (c) => {
      await requireRole(c, deps, "admin", "create sources");
      const body = c.req.valid("json");
      parseConnectionUrl(body.url, "url");
      const settings = await getSettings(db);
      const source = await insertSource(db, deps.sealer, {
        name: body.name,
        url: body.url,
        schedule: body.schedule ?? null,
        timezone: body.timezone ?? "UTC",
        retentionDays: body.retentionDays ?? settings.defaultRetentionDays,
        keepLast: body.keepLast ?? settings.defaultKeepLast,
        verifyLevel: body.verifyLevel ?? settings.defaultVerifyLevel,
        paused: body.paused ?? false,
        rtoSeconds: body.rtoSeconds ?? null,
        gfsDaily: body.gfsDaily ?? null,
        gfsWeekly: body.gfsWeekly ?? null,
        gfsMonthly: body.gfsMonthly ?? null,
      });
      await audit(c, deps, { action: "source.create", targetType: "source", targetId: source.id, outcome: "ok", details: { name: source.name, host: source.host, database: source.database } });
      return c.json(sourceView(source), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sources/test",
      tags,
      security,
      request: { body: jsonBody(ConnectionTestInput) },
      responses: { 200: json(ConnectionTestView, "whether pgproof can connect and what it would back up; nothing is saved"), ...errorResponses },
    }),
    async (c) => {
      await requireRole(c, deps, "admin", "test connections");
      const target = parseConnectionUrl(c.req.valid("json").url, "url");
      try {
        const found = await withClient(target, async (client) => ({ facts: await serverFacts(client), tables: (await listBaseTables(client)).length }));
        const message = found.tables ? `connected to PostgreSQL ${found.facts.version}; ${found.tables} base tables to back up` : `connected to PostgreSQL ${found.facts.version}, but it has no base tables to back up`;
        return c.json({ ok: found.tables > 0, message, serverVersion: found.facts.version, baseTables: found.tables }, 200);
      } catch (error) {
        return c.json({ ok: false, message: `cannot connect: ${redact(toError(error).message, target.password ? [target.password] : [])}`, serverVersion: null, baseTables: null }, 200);
      }
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/me", tags: ["tokens"], security, responses: { 200: json(CallerView, "the calling token's name and role"), ...errorResponses } }),
    async (c) => c.json({ name: c.get("caller").name, role: c.get("caller").role }, 200),
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/sources/{id}", tags, security, request: { params: IdParam }, responses: { 200: json(SourceView, "the source"), ...errorResponses } }),
    async (c) => c.json(sourceView(await getSource(db, c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/sources/{id}",
      tags,
      security,
      request: { params: IdParam, body: jsonBody(SourcePatch) },
      responses: { 200: json(SourceView, "the changed source"), ...errorResponses },
    }),
    async (c) => {
      await requireRole(c, deps, "admin", "change sources");
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      if (body.url) parseConnectionUrl(body.url, "url");
      const current = await getSource(db, id);
      // A new expression is checked against the zone it will run in.
      if (body.schedule && !body.timezone) SourcePatch.parse({ schedule: body.schedule, timezone: current.timezone });
      const source = await updateSource(db, deps.sealer, id, body);
      await audit(c, deps, { action: "source.update", targetType: "source", targetId: id, outcome: "ok", details: { fields: Object.keys(body) } });
      return c.json(sourceView(source), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/sources/{id}",
      tags,
      security,
      request: { params: IdParam, query: DeleteSourceQuery },
      responses: { 204: { description: "deleted" }, ...errorResponses },
    }),
    async (c) => {
      await requireRole(c, deps, "admin", "delete sources");
      const { id } = c.req.valid("param");
      const deleteBackups = c.req.valid("query").deleteBackups === "true";
      await getSource(db, id);
      const count = await countBackupsOfSource(db, id);
      if (count > 0 && !deleteBackups) throw new Conflict(`source ${id} has ${count} backups; pass ?deleteBackups=true to delete them too`);
      const artifacts: Array<{ key: string; location: string | null }> = [];
      await deps.ctx.catalog.transaction(async (tx) => {
        for (;;) {
          const page = await listBackupsPage(tx, { sourceId: id, limit: 200 });
          for (const backup of page.items) {
            await deleteBackupRow(tx, backup.id);
            if (backup.storageKey) artifacts.push({ key: backup.storageKey, location: backup.storageLocation });
          }
          if (!page.next) break;
        }
        await deleteSource(tx, id);
      });
      // Rows go first: at worst an unlisted artifact remains, never a listed backup without one.
      for (const a of artifacts) await deps.ctx.storages.at(a.location).delete(a.key);
      await audit(c, deps, { action: "source.delete", targetType: "source", targetId: id, outcome: "ok", details: { backupsDeleted: artifacts.length } });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sources/{id}/retention",
      tags,
      security,
      request: { params: IdParam, body: jsonBody(RetentionInput) },
      responses: { 200: json(RetentionView, "what the source's retention policy purges (or, with dryRun, would purge) and why the rest stays"), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const dryRun = c.req.valid("json").dryRun ?? false;
      if (!dryRun) await requireRole(c, deps, "admin", "apply retention");
      const result = await applyRetention(deps.ctx, id, { dryRun });
      if (!dryRun) await audit(c, deps, { action: "retention.apply", targetType: "source", targetId: id, outcome: "ok", details: { purged: result.purged.map((p) => p.id) } });
      return c.json({ sourceId: id, dryRun, purged: result.purged.map((p) => ({ ...p, createdAt: p.createdAt.toISOString() })), kept: result.kept }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sources/{id}/backups",
      tags: ["backups"],
      security,
      request: { params: IdParam, body: { required: false, content: { "application/json": { schema: StartBackupInput } } } },
      responses: { 202: json(BackupView, "the queued backup, in_progress; it is verified when it completes unless verifyLevel is null"), ...errorResponses },
    }),
    async (c) => {
      await requireRole(c, deps, "admin", "start backups");
      const { id } = c.req.valid("param");
      const source = await getSource(db, id);
      const requested = c.req.valid("json")?.verifyLevel;
      const verifyLevel = requested === undefined ? source.verifyLevel : requested;
      const backup = await deps.ctx.catalog.transaction(async (tx) => {
        const created = await createBackupRecord(tx, identityTarget(source), { sourceId: id, trigger: "manual" });
        await deps.queue.enqueue("backup", { backupId: created.id, sourceId: id, ...(verifyLevel ? { verifyLevel } : {}) }, tx);
        return created;
      });
      await audit(c, deps, { action: "backup.start", targetType: "backup", targetId: backup.id, outcome: "ok", details: { sourceId: id } });
      return c.json(backupView(backup), 202);
    },
  );
}
