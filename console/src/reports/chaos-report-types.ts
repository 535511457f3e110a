/** A live chaos report as `npm run chaos` writes it (reports/chaos-live-*.json). Fields added
 * later are optional, so older reports still render. */
export interface ChaosReport {
  mode?: string;
  jobsPerScenario?: number;
  wallSeconds?: number;
  results: ChaosScenario[];
}

export interface ChaosSample {
  /** Seconds since the scenario started. */
  t: number;
  shipped: number;
  open: number;
  deadLetters: number;
  agents: number;
  /** Seconds, over the jobs that got there in the few seconds before the sample; null when none did. */
  acceptP50?: number | null;
  acceptP99?: number | null;
  shippedP50?: number | null;
  shippedP99?: number | null;
}

export interface ChaosScenario {
  name: string;
  description: string;
  samples: ChaosSample[];
  faultWindows: { fault: string; from: number; to: number }[];
  ok: boolean;
  violations: string[];
  seconds: number;
  figures: {
    jobs: number;
    shipped: number;
    deadLettered: number;
    lost: number;
    duplicateCompletions: number;
    fencedRejections: number;
    publishFailures: number;
    republished: number;
    proxy: { refused: number; resets: number; droppedChunks: number };
    storeProxy?: { refused: number; resets: number; delayedChunks: number };
    latency?: { acceptP50: number; acceptP99: number; shippedP50: number; shippedP99: number; outboxMaxLagS: number };
    faults: Record<string, number>;
  };
}
