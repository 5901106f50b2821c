import { createRoute } from "@hono/zod-openapi";
import { IdParam, RestoreConfirmInput, RestoreInput, RestoreTicket, RestoreView } from "../../domain/api.ts";
import { BackupInvalidState, InvalidInput, RestoreTargetUnsafe, isPgproofError } from "../../domain/errors.ts";
import { getBackup } from "../../catalog/backups.ts";
import { consumeRestoreRequest, createRestoreRequest, getRestore, insertRestore, targetDisplay } from "../../catalog/restores.ts";
import { sourceConnection } from "../../catalog/sources.ts";
import { asCompleted } from "../../engine/verify.ts";
import { parseConnectionUrl, sameDatabase, withDatabase } from "../../postgres/connection.ts";
import { actorOf, audit, requireRole, type ApiApp, type ApiDeps } from "../context.ts";
import { errorResponses, json, jsonBody, security } from "../openapi-common.ts";
import { restoreView } from "../views.ts";

const tags = ["restores"];

export function registerRestoreRoutes(app: ApiApp, deps: ApiDeps): void {
  const db = deps.ctx.catalog.pool;

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/backups/{id}/restore",
      tags,
      security,
      request: { params: IdParam, body: jsonBody(RestoreInput) },
      responses: { 200: json(RestoreTicket, "a confirmation token for this backup, target and caller, valid 5 minutes, single use"), ...errorResponses },
    }),
    async (c) => {
      await requireRole(c, deps, "admin", "restore");
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const backup = asCompleted(await getBackup(db, id));
      let target;
      if (body.targetUrl) target = parseConnectionUrl(body.targetUrl, "targetUrl");
      else if (body.intoSource) {
        if (!backup.sourceId) throw new InvalidInput("this backup has no registered source to restore into; give targetUrl", ["intoSource"]);
        target = await sourceConnection(db, deps.sealer, backup.sourceId);
      } else {
        if (!backup.sourceId) throw new InvalidInput("this backup has no registered source, so there is no server to create a new database on; give targetUrl", ["newDatabase"]);
        target = withDatabase(await sourceConnection(db, deps.sealer, backup.sourceId), body.newDatabase!);
      }
      if (await sameDatabase(target, deps.ctx.catalog.target)) throw new RestoreTargetUnsafe("the restore target is pgproof's own catalog database");
      const createsDatabase = body.newDatabase !== undefined;
      const ticket = await createRestoreRequest(db, deps.sealer, { backupId: id, callerTokenId: c.get("caller").id, target, createsDatabase });
      const proven = backup.status === "verified" && backup.verifyLevel === "full-restore";
      const plan = [
        createsDatabase ? `create database ${target.database} on ${target.host}:${target.port}` : `take a safety backup of ${targetDisplay(target)} first (if it holds tables), and stop if that backup does not complete`,
        `restore backup ${id} into ${targetDisplay(target)} in one transaction${createsDatabase ? "" : ", replacing the objects the backup contains"}; on failure the target is left as it was`,
        proven ? `this backup was proven by a full restore at ${backup.verifiedAt?.toISOString()}` : "this backup has not been proven by a full restore: confirm with allowUnverified: true to restore it anyway",
      ];
      await audit(c, deps, { action: "restore.request", targetType: "backup", targetId: id, outcome: "ok", details: { target: targetDisplay(target), createsDatabase } });
      return c.json({ confirmationToken: ticket.confirmationToken, expiresAt: ticket.expiresAt.toISOString(), target: targetDisplay(target), createsDatabase, plan }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/backups/{id}/restore/confirm",
      tags,
      security,
      request: { params: IdParam, body: jsonBody(RestoreConfirmInput) },
      responses: { 202: json(RestoreView, "the restore, queued; poll GET /api/v1/restores/{id}"), ...errorResponses },
    }),
    async (c) => {
      await requireRole(c, deps, "admin", "restore");
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const caller = c.get("caller");
      try {
        const restore = await deps.ctx.catalog.transaction(async (tx) => {
          const request = await consumeRestoreRequest(tx, deps.sealer, { confirmationToken: body.confirmationToken, backupId: id, callerTokenId: caller.id });
          const backup = asCompleted(await getBackup(tx, id));
          if (!(backup.status === "verified" && backup.verifyLevel === "full-restore") && !body.allowUnverified) {
            throw new BackupInvalidState(`backup ${id} has not been verified by a full restore; confirm with allowUnverified: true to restore it anyway`);
          }
          const created = await insertRestore(tx, { backupId: id, request, requestedBy: actorOf(caller) });
          await deps.queue.enqueue("restore", { restoreId: created.id }, tx);
          return created;
        });
        await audit(c, deps, { action: "restore.confirm", targetType: "restore", targetId: restore.id, outcome: "ok", details: { backupId: id, target: restore.target, allowUnverified: Boolean(body.allowUnverified) } });
        return c.json(restoreView(restore), 202);
      } catch (error) {
        if (isPgproofError(error)) await audit(c, deps, { action: "restore.confirm", targetType: "backup", targetId: id, outcome: "denied", details: { reason: error.message } });
        throw error;
      }
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/restores/{id}", tags, security, request: { params: IdParam }, responses: { 200: json(RestoreView, "the restore"), ...errorResponses } }),
    async (c) => c.json(restoreView(await getRestore(db, c.req.valid("param").id)), 200),
  );
}
