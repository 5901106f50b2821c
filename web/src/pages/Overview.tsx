import type { Api } from "../api-client.ts";
import { HealthBadge } from "../components/BadgeView.tsx";
import { LineChart } from "../components/LineChart.tsx";
import { bytes, ms, when } from "../format.ts";
import { usePolled } from "../hooks.ts";

export function Overview({ api }: { api: Api }) {
  const { data, error } = usePolled(async () => {
    const [health, backups] = await Promise.all([api.health(), api.backups({ limit: 200 })]);
    return { health, backups: backups.items };
  }, [api], () => true, 5000);
  if (error) return <p role="alert" className="error">{error}</p>;
  if (!data) return <p className="muted">Loading…</p>;
  const sources = data.health.components.backups;
  return (
    <section>
      <h2>Sources</h2>
      {!sources.length && <p>No sources yet. <a href="#/sources">Add one</a>.</p>}
      <div className="cards">
        {sources.map((s) => {
          const mine = data.backups.filter((b) => b.sourceId === s.sourceId);
          const sizes = mine.filter((b) => b.sizeBytes !== null).map((b) => ({ at: Date.parse(b.createdAt), value: b.sizeBytes! }));
          const restores = mine.filter((b) => b.lastVerification?.restoreMs != null && b.lastVerification.level === "full-restore").map((b) => ({ at: Date.parse(b.createdAt), value: b.lastVerification!.restoreMs! }));
          return (
            <article className="card" key={s.sourceId} aria-label={`source ${s.name}`}>
              <header>
                <h3><a href={`#/backups?source=${s.sourceId}`}>{s.name}</a></h3>
                <HealthBadge status={s.status} />
              </header>
              {s.reason && <p className="reason">{s.reason}</p>}
              <dl>
                <dt>Last backup</dt><dd>{when(s.lastBackupAt)}</dd>
                <dt>Last verified</dt><dd>{when(s.lastVerifiedAt)}</dd>
                <dt>Next run</dt><dd>{s.nextRunAt ? when(s.nextRunAt) : "not scheduled"}</dd>
              </dl>
              <div className="charts">
                <LineChart title="Backup size" points={sizes} format={bytes} />
                <LineChart title="Restore time" points={restores} format={ms} />
              </div>
            </article>
          );
        })}
      </div>
    </section>
  );
}
