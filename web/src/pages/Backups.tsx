import { useState } from "react";
import type { Api } from "../api-client.ts";
import { BACKUP_STATUSES } from "../../../src/domain/enums.ts";
import { BackupBadge } from "../components/BadgeView.tsx";
import { bytes, ms, percent, when } from "../format.ts";
import { usePolled } from "../hooks.ts";

export function Backups({ api, initialSource, canAct }: { api: Api; initialSource?: string; canAct: boolean }) {
  const [sourceId, setSourceId] = useState(initialSource ?? "");
  const [status, setStatus] = useState("");
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const sources = usePolled(() => api.sources(), [api]);
  const { data, error, refresh } = usePolled(
    () => api.backups({ sourceId: sourceId || undefined, status: status || undefined, cursor, limit: 25 }),
    [api, sourceId, status, cursor],
    (page) => page.items.some((b) => b.status === "in_progress" || b.lastVerification?.status === "running"),
  );
  const names = new Map((sources.data?.items ?? []).map((s) => [s.id, s.name]));
  const backUp = async () => {
    if (!sourceId) return;
    await api.startBackup(sourceId);
    setCursors([]);
    await refresh();
  };
  return (
    <section>
      <h2>Backups</h2>
      <div className="toolbar">
        <label>
          Source
          <select value={sourceId} onChange={(e) => { setSourceId(e.target.value); setCursors([]); }}>
            <option value="">all</option>
            {(sources.data?.items ?? []).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => { setStatus(e.target.value); setCursors([]); }}>
            <option value="">all</option>
            {BACKUP_STATUSES.map((s) => <option key={s} value={s}>{s.replace("_", " ")}</option>)}
          </select>
        </label>
        {canAct && <button onClick={backUp} disabled={!sourceId} title={sourceId ? "" : "choose a source first"}>Back up now</button>}
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      <div className="table-wrap">
        <table>
          <thead>
            <tr><th>Created</th><th>Source</th><th>Status</th><th>Size</th><th>Restore time</th><th>Retention until</th></tr>
          </thead>
          <tbody>
            {(data?.items ?? []).map((b) => (
              <tr key={b.id}>
                <td><a href={`#/backup/${b.id}`}>{when(b.createdAt)}</a></td>
                <td>{(b.sourceId && names.get(b.sourceId)) ?? `${b.source.database}@${b.source.host}`}</td>
                <td>
                  <BackupBadge backup={b} />
                  {b.status === "in_progress" && <span className="muted"> {bytes(b.progressBytes ?? 0)} written</span>}
                  {b.lastVerification?.status === "running" && <span className="muted"> verifying… {percent(b.lastVerification.progressBytes, b.sizeBytes)}</span>}
                </td>
                <td>{bytes(b.sizeBytes)}</td>
                <td>{ms(b.lastVerification?.restoreMs)}</td>
                <td>{b.retentionExpiresAt ? when(b.retentionExpiresAt) : "kept"}</td>
              </tr>
            ))}
            {data && !data.items.length && <tr><td colSpan={6} className="muted">No backups match.</td></tr>}
          </tbody>
        </table>
      </div>
      <div className="pager">
        <button onClick={() => setCursors(cursors.slice(0, -1))} disabled={!cursors.length}>Newer</button>
        <button onClick={() => data?.nextCursor && setCursors([...cursors, data.nextCursor])} disabled={!data?.nextCursor}>Older</button>
      </div>
    </section>
  );
}
