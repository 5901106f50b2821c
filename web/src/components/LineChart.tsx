/** A small, labelled line chart in SVG; points are (time, value). */
export function LineChart({ title, points, format }: { title: string; points: Array<{ at: number; value: number }>; format: (v: number) => string }) {
  const width = 320;
  const height = 110;
  const pad = 28;
  if (points.length < 2) return <figure className="chart"><figcaption>{title}</figcaption><p className="muted">not enough data yet</p></figure>;
  const sorted = [...points].sort((a, b) => a.at - b.at);
  const minX = sorted[0]!.at;
  const maxX = sorted.at(-1)!.at;
  const maxY = Math.max(...sorted.map((p) => p.value)) || 1;
  const x = (at: number) => pad + ((at - minX) / (maxX - minX || 1)) * (width - pad * 2);
  const y = (v: number) => height - pad + 8 - (v / maxY) * (height - pad - 8);
  const path = sorted.map((p, i) => `${i ? "L" : "M"}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: latest ${format(sorted.at(-1)!.value)}, highest ${format(maxY)}`}>
        <line x1={pad} y1={height - pad + 8} x2={width - pad} y2={height - pad + 8} className="axis" />
        <text x={pad} y={12} className="tick">{format(maxY)}</text>
        <path d={path} className="line" />
        {sorted.map((p) => (
          <circle key={p.at} cx={x(p.at)} cy={y(p.value)} r={3} className="dot">
            <title>{`${new Date(p.at).toLocaleString()}: ${format(p.value)}`}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}
