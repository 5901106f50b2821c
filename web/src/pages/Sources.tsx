import { useMemo, useState, type FormEvent } from "react";
import type { z } from "zod";
import type { Api } from "../api-client.ts";
import type { SourceView } from "../../../src/domain/api.ts";
import { VERIFY_LEVELS, type VerifyLevel } from "../../../src/domain/enums.ts";
import { cronProblem, isTimeZone, nextRuns } from "../../../src/domain/schedule.ts";
import { when } from "../format.ts";
import { usePolled } from "../hooks.ts";

type Source = z.infer<typeof SourceView>;

export function Sources({ api, canAct }: { api: Api; canAct: boolean }) {
  const { data, error, refresh } = usePolled(() => api.sources(), [api]);
  const [editing, setEditing] = useState<Source | "new" | undefined>();
  return (
    <section>
      <h2>Sources</h2>
      {canAct && <button onClick={() => setEditing("new")}>Add source</button>}
      {error && <p role="alert" className="error">{error}</p>}
      {editing && <SourceForm api={api} source={editing === "new" ? undefined : editing} onDone={async () => { setEditing(undefined); await refresh(); }} />}
      <div className="table-wrap">
        <table>
          <thead><tr><th>Name</th><th>Database</th><th>Schedule</th><th>Verify level</th><th>Retention</th><th></th></tr></thead>
          <tbody>
            {(data?.items ?? []).map((s) => (
              <tr key={s.id}>
                <td><a href={`#/backups?source=${s.id}`}>{s.name}</a></td>
                <td className="mono">{s.user}@{s.host}:{s.port}/{s.database}</td>
                <td>{s.schedule ? `${s.schedule} (${s.timezone})` : "manual"}{s.paused && " · paused"}</td>
                <td>{s.verifyLevel}</td>
                <td>{[s.retentionDays && `${s.retentionDays} days`, s.keepLast && `last ${s.keepLast}`].filter(Boolean).join(", ") || "keep all"}</td>
                <td>{canAct && <button onClick={() => setEditing(s)}>Edit</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function SourceForm({ api, source, onDone }: { api: Api; source: Source | undefined; onDone: () => void }) {
  const [name, setName] = useState(source?.name ?? "");
  const [url, setUrl] = useState("");
  const [schedule, setSchedule] = useState(source?.schedule ?? "0 3 * * *");
  const [timezone, setTimezone] = useState(source?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC");
  const [retentionDays, setRetentionDays] = useState(source?.retentionDays?.toString() ?? "");
  const [keepLast, setKeepLast] = useState(source?.keepLast?.toString() ?? "");
  const [verifyLevel, setVerifyLevel] = useState<VerifyLevel>(source?.verifyLevel ?? "full-restore");
  const [tested, setTested] = useState<{ ok: boolean; message: string }>();
  const [error, setError] = useState<string>();

  const preview = useMemo(() => {
    if (!schedule.trim()) return { runs: [] as Date[], problem: undefined };
    if (!isTimeZone(timezone)) return { runs: [], problem: `unknown time zone ${timezone}` };
    const problem = cronProblem(schedule, timezone);
    return problem ? { runs: [], problem } : { runs: nextRuns(schedule, timezone, 5), problem: undefined };
  }, [schedule, timezone]);
  const needsTest = !source || url !== "";
  const test = async () => {
    setTested(undefined);
    setTested(await api.testConnection(url));
  };
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const body = {
      name,
      ...(url ? { url } : {}),
      schedule: schedule.trim() || null,
      timezone,
      retentionDays: retentionDays ? Number(retentionDays) : null,
      keepLast: keepLast ? Number(keepLast) : null,
      verifyLevel,
    };
    try {
      if (source) await api.updateSource(source.id, body);
      else await api.createSource(body);
      onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <form className="panel" onSubmit={save} aria-label={source ? `edit ${source.name}` : "add source"}>
      <label>Name<input value={name} onChange={(e) => setName(e.target.value)} required /></label>
      <label>
        Connection URL{source && " (leave empty to keep the current one)"}
        <input type="password" value={url} onChange={(e) => { setUrl(e.target.value); setTested(undefined); }} placeholder="postgres://user:password@host:5432/db" required={!source} autoComplete="off" />
      </label>
      <div className="toolbar">
        <button type="button" onClick={test} disabled={!url}>Test connection</button>
        {tested && <span role="status" className={tested.ok ? "ok" : "error"}>{tested.message}</span>}
      </div>
      <label>Schedule (cron)<input value={schedule} onChange={(e) => setSchedule(e.target.value)} placeholder="empty for manual only" /></label>
      <label>Time zone<input value={timezone} onChange={(e) => setTimezone(e.target.value)} /></label>
      {preview.problem ? <p role="alert" className="error">{preview.problem}</p> : preview.runs.length > 0 && (
        <div aria-label="next runs"><span className="muted">Next runs:</span><ul>{preview.runs.map((r) => <li key={r.getTime()}>{when(r.toISOString())}</li>)}</ul></div>
      )}
      <label>Keep for days<input type="number" min={1} value={retentionDays} onChange={(e) => setRetentionDays(e.target.value)} /></label>
      <label>Keep the last<input type="number" min={1} value={keepLast} onChange={(e) => setKeepLast(e.target.value)} /></label>
      <label>
        Verify level
        <select value={verifyLevel} onChange={(e) => setVerifyLevel(e.target.value as VerifyLevel)}>{VERIFY_LEVELS.map((l) => <option key={l}>{l}</option>)}</select>
      </label>
      <div className="toolbar">
        <button type="submit" disabled={Boolean(preview.problem) || (needsTest && !tested?.ok)} title={needsTest && !tested?.ok ? "test the connection first" : ""}>Save</button>
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}
