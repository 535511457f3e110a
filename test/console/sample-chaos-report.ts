import type { ScenarioResult } from "../../chaos/live/run-scenario.js";

/** A broker-outage run as `npm run chaos` records it: 30 jobs, a 6-second refusal, 0.5 s samples. */
export function sampleScenario(overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  const samples: ScenarioResult["samples"] = [];
  let shipped = 0;
  for (let i = 0; i <= 40; i++) {
    const t = i * 0.5;
    const outage = t >= 4 && t < 10;
    if (!outage && shipped < 30 && t > 1) shipped = Math.min(30, shipped + (t > 10 ? 3 : 1));
    const latency = outage ? null : 1 + (t > 10 ? (t - 10) * 0.8 : 0);
    samples.push({
      t,
      shipped,
      open: 30 - shipped,
      deadLetters: 0,
      agents: outage ? 2 : 3,
      acceptP50: latency,
      acceptP99: latency === null ? null : latency * 1.4,
      shippedP50: latency === null ? null : latency + 0.6,
      shippedP99: latency === null ? null : latency * 1.4 + 0.6,
    });
  }
  return {
    name: "broker-outage",
    description: "the broker refuses every connection for a while; the relay retries and republishes",
    samples,
    faultWindows: [{ fault: "broker-refuse", from: 4, to: 10 }],
    ok: true,
    violations: [],
    seconds: 20,
    figures: {
      jobs: 30,
      shipped: 30,
      deadLettered: 0,
      lost: 0,
      duplicateCompletions: 0,
      fencedRejections: 0,
      publishFailures: 12,
      republished: 4,
      proxy: { refused: 35, resets: 2, droppedChunks: 0 },
      storeProxy: { refused: 0, resets: 0, delayedChunks: 0 },
      latency: { acceptP50: 5.74, acceptP99: 7.33, shippedP50: 6.36, shippedP99: 7.94, outboxMaxLagS: 6.36 },
      faults: { "broker-refuse": 1 },
    },
    ...overrides,
  };
}

/** The JSON file the live chaos suite writes. */
export function sampleChaosReport() {
  return { mode: "live", jobsPerScenario: 20, wallSeconds: 21, results: [sampleScenario()] };
}
