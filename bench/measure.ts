/** Timing helpers: interleaved repetitions, medians, percentiles. */

export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

/**
 * Runs each contender once per round, in rotating order, for `rounds` rounds, so that drift in
 * the machine's load falls on all of them alike. Returns every contender's times in ms.
 */
export async function interleaved(contenders: Record<string, () => Promise<unknown>>, rounds: number): Promise<Record<string, number[]>> {
  const names = Object.keys(contenders);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (let i = 0; i < names.length; i += 1) {
      const name = names[(i + round) % names.length]!;
      times[name]!.push(await timed(contenders[name]!));
    }
  }
  return times;
}
