import { useEffect, useRef, useState } from "react";
import type { z } from "zod";
import type { Api } from "../api-client.ts";
import type { BackupDetail, RestoreTicket, RestoreView } from "../../../src/domain/api.ts";
import { usePolled } from "../hooks.ts";

type Target = { kind: "intoSource" } | { kind: "newDatabase"; name: string } | { kind: "targetUrl"; url: string };

/** The two-step restore: choose a target, read the plan, type the database name, confirm. */
export function RestoreDialog({ api, backup, onClose }: { api: Api; backup: z.infer<typeof BackupDetail>; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [target, setTarget] = useState<Target>(backup.sourceId ? { kind: "intoSource" } : { kind: "targetUrl", url: "" });
  const [ticket, setTicket] = useState<z.infer<typeof RestoreTicket>>();
  const [typed, setTyped] = useState("");
  const [allowUnverified, setAllowUnverified] = useState(false);
  const [restoreId, setRestoreId] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => dialog.current?.showModal(), []);
  const proven = backup.status === "verified" && backup.verifyLevel === "full-restore";
  const targetDatabase = ticket ? ticket.target.split("/").at(-1)! : "";

  const ask = async () => {
    setError(undefined);
    try {
      const body = target.kind === "intoSource" ? { intoSource: true } : target.kind === "newDatabase" ? { newDatabase: target.name } : { targetUrl: target.url };
      setTicket(await api.requestRestore(backup.id, body));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const confirm = async () => {
    setError(undefined);
    try {
      setRestoreId((await api.confirmRestore(backup.id, ticket!.confirmationToken, allowUnverified)).id);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <dialog ref={dialog} onClose={onClose} aria-labelledby="restore-title">
      <h3 id="restore-title">Restore this backup</h3>
      {!ticket && (
        <fieldset>
          <legend>Target</legend>
          {backup.sourceId && (
            <label><input type="radio" checked={target.kind === "intoSource"} onChange={() => setTarget({ kind: "intoSource" })} /> Over the source database ({backup.source.database})</label>
          )}
          {backup.sourceId && (
            <label>
              <input type="radio" checked={target.kind === "newDatabase"} onChange={() => setTarget({ kind: "newDatabase", name: `${backup.source.database}_restored` })} /> Into a new database on the source's server
              {target.kind === "newDatabase" && <input aria-label="new database name" value={target.name} onChange={(e) => setTarget({ kind: "newDatabase", name: e.target.value })} />}
            </label>
          )}
          <label>
            <input type="radio" checked={target.kind === "targetUrl"} onChange={() => setTarget({ kind: "targetUrl", url: "" })} /> Into another database (connection URL)
            {target.kind === "targetUrl" && <input aria-label="target connection URL" type="password" value={target.url} onChange={(e) => setTarget({ kind: "targetUrl", url: e.target.value })} placeholder="postgres://user:password@host:5432/db" />}
          </label>
          <div className="toolbar"><button onClick={ask}>Next: see what will happen</button><button onClick={() => dialog.current?.close()}>Cancel</button></div>
        </fieldset>
      )}
      {ticket && !restoreId && (
        <div>
          <p>What will happen:</p>
          <ol>{ticket.plan.map((line) => <li key={line}>{line}</li>)}</ol>
          {!proven && (
            <label><input type="checkbox" checked={allowUnverified} onChange={(e) => setAllowUnverified(e.target.checked)} /> Restore although this backup was never proven by a full restore</label>
          )}
          <label>
            Type <strong className="mono">{targetDatabase}</strong> to confirm
            <input aria-label="type the database name to confirm" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
          </label>
          <div className="toolbar">
            <button className="danger" onClick={confirm} disabled={typed !== targetDatabase || (!proven && !allowUnverified)}>Restore now</button>
            <button onClick={() => dialog.current?.close()}>Cancel</button>
          </div>
          <p className="muted">The confirmation expires {new Date(ticket.expiresAt).toLocaleTimeString()}.</p>
        </div>
      )}
      {restoreId && <RestoreProgress api={api} id={restoreId} onClose={() => dialog.current?.close()} />}
      {error && <p role="alert" className="error">{error}</p>}
    </dialog>
  );
}

function RestoreProgress({ api, id, onClose }: { api: Api; id: string; onClose: () => void }) {
  const { data } = usePolled<z.infer<typeof RestoreView>>(() => api.restore(id), [api, id], (r) => r.status === "pending" || r.status === "running", 1000);
  if (!data) return <p className="muted">Starting…</p>;
  return (
    <div role="status" aria-live="polite">
      <p>Restore {data.status === "pending" || data.status === "running" ? `${data.status}…` : data.status}</p>
      {data.safetyBackupId && <p>Safety backup: <a href={`#/backup/${data.safetyBackupId}`}>{data.safetyBackupId}</a></p>}
      {data.message && <p>{data.message}</p>}
      <button onClick={onClose}>Close</button>
    </div>
  );
}
