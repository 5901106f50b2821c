import { useState } from "react";
import type { Api } from "../api-client.ts";
import { VERIFY_LEVELS, type VerifyLevel } from "../../../src/domain/enums.ts";
import { BackupBadge } from "../components/BadgeView.tsx";
import { bytes, ms, when } from "../format.ts";
import { usePolled } from "../hooks.ts";
import { RestoreDialog } from "./RestoreDialog.tsx";

export function BackupDetail({ api, id, canAct }: { api: Api; id: string; canAct: boolean }) {
  const [level, setLevel] = useState<VerifyLevel>("full-restore");
  const [message, setMessage] = useState<string>();
  const [restoring, setRestoring] = useState(false);
  const { data: backup, error, refresh } = usePolled(
    () => api.backup(id),
    [api, id],
    (b) => b.status === "in_progress" || b.verifications.some((v) => v.status === "running"),
  );
  if (error) return <p role="alert" className="error">{error}</p>;
  if (!backup) return <p className="muted">Loading…</p>;
  const latestFull = backup.verifications.find((v) => v.level === "full-restore" && v.evidence);
  const evidence = new Map((latestFull?.evidence?.tables ?? []).map((t) => [t.table, t]));
  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      setMessage(done);
      await refresh();
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete backup ${backup.id} and its artifact? This cannot be undone.`)) return;
    await act(() => api.deleteBackup(backup.id), "Deleted.");
    window.location.hash = "#/backups";
  };
  return (
    <section>
      <h2>Backup of {backup.source.database} <BackupBadge backup={backup} /></h2>
      <dl className="facts">
        <dt>Created</dt><dd>{when(backup.createdAt)}</dd>
        <dt>Source</dt><dd>{backup.source.user}@{backup.source.host}:{backup.source.port}/{backup.source.database}</dd>
        <dt>Started by</dt><dd>{backup.trigger}</dd>
        <dt>Size</dt><dd>{bytes(backup.sizeBytes)}</dd>
        <dt>SHA-256</dt><dd className="mono">{backup.sha256 ?? "–"}</dd>
        <dt>Tables / rows</dt><dd>{backup.manifest ? `${backup.manifest.tableCount} / ${backup.manifest.rowCount}` : "–"}</dd>
        <dt>Retention until</dt><dd>{backup.retentionExpiresAt ? when(backup.retentionExpiresAt) : "kept"}</dd>
      </dl>
      {backup.status === "in_progress" && (
        <p role="status" aria-live="polite">Backing up: {bytes(backup.progressBytes ?? 0)} written so far…</p>
      )}
      {backup.verifications.filter((v) => v.status === "running").map((v) => (
        <p key={v.id} role="status" aria-live="polite">
          Verifying ({v.level}): <progress max={backup.sizeBytes ?? 1} value={v.progressBytes ?? 0} /> {bytes(v.progressBytes ?? 0)} of {bytes(backup.sizeBytes)} read
        </p>
      ))}
      {backup.error && <p role="alert" className="error"><strong>Why it failed:</strong> {backup.error}</p>}
      {canAct && (
        <div className="toolbar" aria-label="actions">
          <label>
            Level
            <select value={level} onChange={(e) => setLevel(e.target.value as VerifyLevel)}>
              {VERIFY_LEVELS.map((l) => <option key={l} value={l}>{l}</option>)}
            </select>
          </label>
          <button onClick={() => act(() => api.verify(backup.id, level), `Verification (${level}) started.`)} disabled={backup.status !== "completed" && backup.status !== "verified"}>Verify</button>
          <button onClick={() => act(() => api.download(backup.id), "Download started.")} disabled={!backup.sha256 || backup.status === "failed"}>Download</button>
          <button onClick={() => setRestoring(true)} disabled={backup.status !== "completed" && backup.status !== "verified"}>Restore…</button>
          <button className="danger" onClick={remove} disabled={backup.status === "in_progress"}>Delete</button>
        </div>
      )}
      {message && <p role="status">{message}</p>}
      {restoring && <RestoreDialog api={api} backup={backup} onClose={() => setRestoring(false)} />}

      <h3>Tables: manifest and restored evidence</h3>
      <div className="table-wrap">
        <table>
          <thead><tr><th>Table</th><th>Rows expected</th><th>Rows restored</th><th>Fingerprint</th></tr></thead>
          <tbody>
            {backup.manifestTables.map((t) => {
              const got = evidence.get(t.table);
              return (
                <tr key={t.table}>
                  <td className="mono">{t.table}</td>
                  <td>{t.rows}</td>
                  <td>{got?.rowsRestored ?? "not restored yet"}</td>
                  <td>{got ? (got.fingerprintMatch ? "✓ matches" : "✗ differs") : "–"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      <h3>Verification runs</h3>
      {!backup.verifications.length && <p className="muted">Never verified.</p>}
      <ol className="runs">
        {backup.verifications.map((v) => (
          <li key={v.id} className={`run run-${v.status}`}>
            <strong>{v.level}</strong> — {v.status === "running" ? "running…" : v.status} · {when(v.startedAt)} · by {v.triggeredBy}
            {v.evidence?.restoreMs != null && <> · restore {ms(v.evidence.restoreMs)}</>}
            {v.message && <p>{v.message}</p>}
            {!!v.evidence?.mismatches.length && (
              <ul>{v.evidence.mismatches.map((m, i) => <li key={i}>{m.table}: {m.kind}, expected {m.expected ?? "–"}, found {m.actual ?? "–"}</li>)}</ul>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
