import type { z } from "zod";
import {
  BackupDetail,
  BackupList,
  BackupView,
  CallerView,
  DownloadLinkView,
  ConfigView,
  ConnectionTestView,
  HealthView,
  RestoreTicket,
  RestoreView,
  SourceList,
  SourceView,
  VerificationView,
} from "../../src/domain/api.ts";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Every response is parsed with the same schemas the server validates against. */
export class Api {
  readonly token: string;
  constructor(token: string) {
    this.token = token;
  }

  private async call<S extends z.ZodType>(schema: S, method: string, path: string, body?: unknown): Promise<z.infer<S>> {
    const response = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!response.ok) throw new ApiError(response.status, json?.error?.code ?? "Error", json?.error?.message ?? `request failed (${response.status})`);
    return schema.parse(json);
  }

  me = () => this.call(CallerView, "GET", "/api/v1/me");
  health = async () => HealthView.parse(await (await fetch("/api/health")).json());
  sources = () => this.call(SourceList, "GET", "/api/v1/sources");
  source = (id: string) => this.call(SourceView, "GET", `/api/v1/sources/${id}`);
  createSource = (body: unknown) => this.call(SourceView, "POST", "/api/v1/sources", body);
  updateSource = (id: string, body: unknown) => this.call(SourceView, "PATCH", `/api/v1/sources/${id}`, body);
  testConnection = (url: string) => this.call(ConnectionTestView, "POST", "/api/v1/sources/test", { url });
  backups = (query: { sourceId?: string; status?: string; cursor?: string; limit?: number }) => {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => [k, String(v)]));
    return this.call(BackupList, "GET", `/api/v1/backups?${params}`);
  };
  backup = (id: string) => this.call(BackupDetail, "GET", `/api/v1/backups/${id}`);
  startBackup = (sourceId: string) => this.call(BackupView, "POST", `/api/v1/sources/${sourceId}/backups`, {});
  verify = (id: string, level: string) => this.call(VerificationView, "POST", `/api/v1/backups/${id}/verifications`, { level });
  deleteBackup = async (id: string) => {
    const response = await fetch(`/api/v1/backups/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${this.token}` } });
    if (!response.ok) {
      const json = await response.json().catch(() => undefined);
      throw new ApiError(response.status, json?.error?.code ?? "Error", json?.error?.message ?? "delete failed");
    }
  };
  requestRestore = (id: string, target: unknown) => this.call(RestoreTicket, "POST", `/api/v1/backups/${id}/restore`, target);
  confirmRestore = (id: string, confirmationToken: string, allowUnverified: boolean) =>
    this.call(RestoreView, "POST", `/api/v1/backups/${id}/restore/confirm`, { confirmationToken, allowUnverified });
  restore = (id: string) => this.call(RestoreView, "GET", `/api/v1/restores/${id}`);
  config = () => this.call(ConfigView, "GET", "/api/v1/config");

  /** A single-use link the browser streams straight to disk; the token never appears in a URL. */
  async download(id: string): Promise<void> {
    const link = await this.call(DownloadLinkView, "POST", `/api/v1/backups/${id}/download-link`);
    const anchor = document.createElement("a");
    anchor.href = link.url;
    anchor.download = `${id}.dump`;
    anchor.click();
  }
}
