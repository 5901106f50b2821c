import cliProgress from "cli-progress";
import { formatBytes } from "../domain/format.ts";

export interface Progress {
  update(bytes: number): void;
  stop(): void;
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
