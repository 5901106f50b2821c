import cliProgress from "cli-progress";

export interface Progress {
  update(bytes: number): void;
  stop(): void;
}

function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A progress bar on stderr, drawn from the first byte on; `total` unknown (a dump) shows bytes written. */
export function startProgress(label: string, total?: number): Progress {
  let bar: cliProgress.SingleBar | undefined;
  const draw = () => new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: total ? `${label} |{bar}| {percentage}% {done} of {all}` : `${label} {done} written`,
      hideCursor: true,
      clearOnComplete: false,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    update(bytes) {
      if (!bar) {
        bar = draw();
        bar.start(total ?? 1, 0, { done: formatBytes(0), all: formatBytes(total ?? 0) });
      }
      bar.update(total ? Math.min(bytes, total) : 0, { done: formatBytes(bytes), all: formatBytes(total ?? 0) });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

export { formatBytes };
