import { Readable } from "node:stream";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { Context } from "hono";
import { BackupDetail, BackupList, BackupListQuery, DownloadLinkView, DownloadTokenParam, IdParam, VerificationView, VerifyInput } from "../../domain/api.ts";
import { createDownloadLink, useDownloadLink } from "../../catalog/download-links.ts";
import { recordAudit } from "../../catalog/audit.ts";
import type { CompletedBackup } from "../../engine/verify-header.ts";
import { InvalidInput } from "../../domain/errors.ts";
import { deleteBackupRow, getBackup, listBackupsPage } from "../../catalog/backups.ts";
import { getVerification, latestVerifications, listVerifications } from "../../catalog/verifications.ts";
import { getSource, listSources } from "../../catalog/sources.ts";
import { startVerificationRun } from "../../engine/verify.ts";
import { openArtifact } from "../../engine/artifact-reader.ts";
import { asCompleted } from "../../engine/verify.ts";
import { scratchServer } from "../../jobs/handlers.ts";
import { actorOf, audit, requireRole, type ApiApp, type ApiDeps } from "../context.ts";
import { errorResponses, json, jsonBody, security } from "../openapi-common.ts";
import { backupDetailView, backupView, verificationView } from "../views.ts";

const tags = ["backups"];

function encodeCursor(next: { createdAt: Date; id: string }): string {
  return Buffer.from(`${next.createdAt.toISOString()}|${next.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at ?? "");
  if (Number.isNaN(createdAt.getTime()) || !z.uuid().safeParse(id).success) throw new InvalidInput("cursor is not one this server issued", ["cursor"]);
  return { createdAt, id: id! };
}

function artifactResponse(c: Context, backup: CompletedBackup, stream: Readable) {
  c.header("content-type", "application/octet-stream");
  // An encrypted artifact is served decrypted, so its stored size is not the body's.
  if (!backup.encryptionKeyId) c.header("content-length", String(backup.sizeBytes));
  c.header("content-disposition", `attachment; filename="${backup.id}.dump"`);
  return c.body(Readable.toWeb(stream) as ReadableStream, 200);
}

export function registerBackupRoutes(app: ApiApp, deps: ApiDeps): void {
  const db = deps.ctx.catalog.pool;

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/backups",
      tags,
      security,
      request: { query: BackupListQuery },
      responses: { 200: json(BackupList, "backups, newest first; pass nextCursor as cursor for the next page"), ...errorResponses },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const page = await listBackupsPage(db, {
        sourceId: query.sourceId,
        status: query.status,
        limit: query.limit ?? 50,
        after: query.cursor ? decodeCursor(query.cursor) : undefined,
      });
      const latest = await latestVerifications(db, page.items.map((b) => b.id));
      const retention = new Map((await listSources(db)).map((s) => [s.id, s.retentionDays]));
      const items = page.items.map((b) => backupView(b, { lastVerification: latest.get(b.id), retentionDays: b.sourceId ? retention.get(b.sourceId) : null }));
      return c.json({ items, nextCursor: page.next ? encodeCursor(page.next) : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/backups/{id}",
      tags,
      security,
      request: { params: IdParam },
      responses: { 200: json(BackupDetail, "the backup with its manifest and every verification run"), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const backup = await getBackup(db, id);
      const retentionDays = backup.sourceId ? (await getSource(db, backup.sourceId)).retentionDays : null;
      return c.json(backupDetailView(backup, await listVerifications(db, id), retentionDays), 200);
    },
  );

  app.openapi(
    createRoute({ method: "delete", path: "/api/v1/backups/{id}", tags, security, request: { params: IdParam }, responses: { 204: { description: "deleted" }, ...errorResponses } }),
    async (c) => {
      await requireRole(c, deps, "admin", "delete backups");
      const { id } = c.req.valid("param");
      const backup = await deps.ctx.catalog.transaction((tx) => deleteBackupRow(tx, id));
      if (backup.storageKey) await deps.ctx.storages.at(backup.storageLocation).delete(backup.storageKey);
      await audit(c, deps, { action: "backup.delete", targetType: "backup", targetId: id, outcome: "ok" });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/backups/{id}/artifact",
      tags,
      security,
      request: { params: IdParam },
      responses: { 200: { description: "the pg_dump custom-format archive", content: { "application/octet-stream": { schema: z.string().meta({ format: "binary" }) } } }, ...errorResponses },
    }),
    async (c) => {
      await requireRole(c, deps, "admin", "download artifacts");
      const { id } = c.req.valid("param");
      const backup = asCompleted(await getBackup(db, id));
      const stream = await openArtifact(deps.ctx, backup);
      await audit(c, deps, { action: "backup.download", targetType: "backup", targetId: id, outcome: "ok" });
      return artifactResponse(c, backup, stream);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/backups/{id}/download-link",
      tags,
      security,
      request: { params: IdParam },
      responses: { 200: json(DownloadLinkView, "a single-use link, valid one minute, that streams the artifact without a bearer header (for browsers)"), ...errorResponses },
    }),
    async (c) => {
      await requireRole(c, deps, "admin", "download artifacts");
      const { id } = c.req.valid("param");
      asCompleted(await getBackup(db, id));
      const link = await createDownloadLink(db, { backupId: id, callerTokenId: c.get("caller").id });
      return c.json({ url: `/api/download/${link.token}`, expiresAt: link.expiresAt.toISOString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/download/{token}",
      tags,
      request: { params: DownloadTokenParam },
      responses: { 200: { description: "the artifact (decrypted if it is encrypted)", content: { "application/octet-stream": { schema: z.string().meta({ format: "binary" }) } } }, ...errorResponses },
    }),
    async (c) => {
      const link = await useDownloadLink(db, c.req.valid("param").token).catch(async (error: unknown) => {
        await recordAudit(db, { actor: "anonymous", action: "backup.download", outcome: "denied", requestId: c.get("requestId"), details: { reason: "bad download link" } });
        throw error;
      });
      const backup = asCompleted(await getBackup(db, link.backupId));
      const stream = await openArtifact(deps.ctx, backup);
      await recordAudit(db, { actor: `token#${link.callerTokenId.slice(0, 8)}`, action: "backup.download", targetType: "backup", targetId: backup.id, outcome: "ok", requestId: c.get("requestId"), details: { via: "download link" } });
      return artifactResponse(c, backup, stream);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/backups/{id}/verifications",
      tags: ["verifications"],
      security,
      request: { params: IdParam, body: jsonBody(VerifyInput) },
      responses: { 202: json(VerificationView, "the queued verification, running"), ...errorResponses },
    }),
    async (c) => {
      await requireRole(c, deps, "admin", "start verifications");
      const { id } = c.req.valid("param");
      const { level } = c.req.valid("json");
      const scratch = await scratchServer(deps);
      const verification = await deps.ctx.catalog.transaction(async (tx) => {
        const started = await startVerificationRun(deps.ctx, { backupId: id, level, triggeredBy: actorOf(c.get("caller")), scratch }, tx);
        await deps.queue.enqueue("verify", { verificationId: started.id }, tx);
        return started;
      });
      await audit(c, deps, { action: "verification.start", targetType: "backup", targetId: id, outcome: "ok", details: { level, verificationId: verification.id } });
      return c.json(verificationView(verification), 202);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/verifications/{id}",
      tags: ["verifications"],
      security,
      request: { params: IdParam },
      responses: { 200: json(VerificationView, "the verification with its evidence, table by table"), ...errorResponses },
    }),
    async (c) => c.json(verificationView(await getVerification(db, c.req.valid("param").id)), 200),
  );
}
