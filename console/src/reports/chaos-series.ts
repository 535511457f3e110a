import type { ChaosSample } from "./chaos-report-types.js";

/** Shipped jobs per second, over a window of about `windowS` seconds before each sample (the
 * report stores the running total; a rate per interval of 0.5 s would be mostly noise). */
export function throughput(samples: readonly ChaosSample[], windowS = 2): (number | null)[] {
  const out: (number | null)[] = [];
  let from = 0;
  for (let i = 0; i < samples.length; i++) {
    const now = samples[i]!;
    while (from < i - 1 && now.t - samples[from + 1]!.t >= windowS) from++;
    const start = samples[from]!;
    const span = now.t - start.t;
    out.push(i === 0 || span <= 0 ? null : Math.max(0, (now.shipped - start.shipped) / span));
  }
  return out;
}
