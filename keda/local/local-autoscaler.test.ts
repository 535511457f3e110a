import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTopology } from "../../contracts/topology-file.js";
import type { PoolDefinition, Topology } from "../../contracts/index.js";
import { LocalAutoscaler } from "./local-autoscaler.js";
import type { WorkerHandle, WorkerLauncher, WorkerState } from "./worker-launcher.js";

/** A container the test moves through its life by hand: pending → running → stopping → exited. */
class FakeWorker implements WorkerHandle {
  status: WorkerState = "pending";
  terminations = 0;
  readonly exited: Promise<number | null>;
  private resolveExit!: (code: number | null) => void;
  constructor(
    readonly id: string,
    readonly pool: string,
    readonly mode: "one-shot" | "serve",
    readonly startedAt: number,
  ) {
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
  }
  state(): WorkerState {
    return this.status;
  }
  terminate(): void {
    this.terminations++;
    if (this.status !== "exited") this.status = "stopping";
  }
  kill(): void {
    this.exit(137);
  }
  exit(code: number | null = 0): void {
    if (this.status === "exited") return;
    this.status = "exited";
    this.resolveExit(code);
  }
}

class FakeLauncher implements WorkerLauncher {
  readonly workers: FakeWorker[] = [];
  constructor(private readonly clock: { now(): number }) {}
  launch(pool: PoolDefinition, mode: "one-shot" | "serve"): WorkerHandle {
    const worker = new FakeWorker(`${pool.name}-${this.workers.length + 1}`, pool.name, mode, this.clock.now());
    this.workers.push(worker);
    return worker;
  }
  /** Ground truth: containers alive and not on their way out. */
  live(): FakeWorker[] {
    return this.workers.filter((w) => w.status === "pending" || w.status === "running");
  }
}

async function harness(pool: Record<string, unknown>) {
  const topology: Topology = parseTopology({ pools: [{ name: "pool", capabilities: ["os:linux"], image: "i", seats: 1, ...pool }] });
  const clock = { at: 0, now() { return this.at; } };
  const launcher = new FakeLauncher(clock);
  let metric = 0;
  const autoscaler = new LocalAutoscaler({ topology, launcher, clock, metric: async () => metric });
  autoscaler.start();
  // start() polls at once; let that first poll finish so each poll below is the only one running.
  await new Promise((resolve) => setImmediate(resolve));
  const definition = topology.pools[0]!;
  return {
    definition,
    launcher,
    clock,
    async poll(value: number) {
      metric = value;
      await autoscaler.poll(definition);
      return autoscaler.states()[0]!;
    },
    stop: () => autoscaler.stop(0),
  };
}

const poolArb = fc.oneof(
  fc.record({
    workload: fc.constant("scaledJob"),
    maxReplicas: fc.integer({ min: 1, max: 10 }),
    messageCount: fc.integer({ min: 1, max: 3 }),
    activationMessageCount: fc.integer({ min: 0, max: 2 }),
    scalingStrategy: fc.constantFrom("default", "accurate", "eager", "custom"),
    customScalingQueueLengthDeduction: fc.integer({ min: 0, max: 3 }),
    customScalingRunningJobPercentage: fc.constantFrom(0, 0.25, 0.5, 1),
  }),
  fc
    .record({
      workload: fc.constant("scaledObject"),
      minReplicas: fc.integer({ min: 0, max: 3 }),
      extra: fc.integer({ min: 0, max: 8 }),
      messageCount: fc.integer({ min: 1, max: 3 }),
      activationMessageCount: fc.integer({ min: 0, max: 2 }),
      cooldownSeconds: fc.integer({ min: 0, max: 60 }),
    })
    .map(({ extra, ...pool }) => ({ ...pool, maxReplicas: Math.max(1, pool.minReplicas + extra) })),
);

type Step =
  | { kind: "poll"; metric: number }
  | { kind: "advance"; seconds: number }
  | { kind: "start" | "wind-down" | "exit"; index: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("poll" as const), metric: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("advance" as const), seconds: fc.integer({ min: 1, max: 90 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom("start" as const, "wind-down" as const, "exit" as const), index: fc.nat() }) },
);

describe("local autoscaler", () => {
  it("asks for maxReplicas, not twice as many, when a ScaledJob pool scales out from zero", async () => {
    const h = await harness({ workload: "scaledJob", maxReplicas: 8, scalingStrategy: "accurate" });
    const state = await h.poll(8);
    expect(state.desired).toBe(8);
    expect(h.launcher.workers).toHaveLength(8);
    expect(state.running + state.pending).toBe(8);
    await h.stop();
  });

  it("caps KEDA's custom strategy at maxReplicas while jobs are running", async () => {
    // KEDA's custom formula ignores running jobs when the percentage is 0; creating maxScale more
    // jobs would put the pool past its maximum.
    const h = await harness({ workload: "scaledJob", maxReplicas: 4, scalingStrategy: "custom", customScalingQueueLengthDeduction: 0, customScalingRunningJobPercentage: 0 });
    await h.poll(2);
    for (const worker of h.launcher.workers) worker.status = "running";
    const state = await h.poll(10);
    expect(state.desired).toBe(4);
    expect(h.launcher.live()).toHaveLength(4);
    await h.stop();
  });

  it("does not count a warm agent told to stop, and does not tell it twice", async () => {
    const h = await harness({ workload: "scaledObject", maxReplicas: 4, messageCount: 1, cooldownSeconds: 0 });
    await h.poll(4);
    for (const worker of h.launcher.workers) worker.status = "running";
    const scaledIn = await h.poll(1);
    expect(scaledIn.desired).toBe(1);
    expect(scaledIn.running + scaledIn.pending).toBe(1);
    const draining = h.launcher.workers.filter((w) => w.status === "stopping");
    expect(draining).toHaveLength(3);
    // Demand returns while three agents are still draining: the pool is back at four live agents,
    // the draining ones are neither counted nor terminated again.
    const scaledOut = await h.poll(4);
    expect(scaledOut.desired).toBe(4);
    expect(scaledOut.running + scaledOut.pending).toBe(4);
    expect(h.launcher.live()).toHaveLength(4);
    for (const worker of draining) expect(worker.terminations).toBe(1);
    await h.stop();
  });

  it("keeps desired <= maxReplicas and counts only live containers, over random histories", async () => {
    await fc.assert(
      fc.asyncProperty(poolArb, fc.array(stepArb, { minLength: 1, maxLength: 60 }), async (pool, steps) => {
        const h = await harness({ ...pool, pollingIntervalSeconds: 3600 });
        try {
          for (const step of steps) {
            const workers = h.launcher.workers;
            if (step.kind === "advance") h.clock.at += step.seconds * 1000;
            else if (step.kind === "poll") {
              const state = await h.poll(step.metric);
              const live = h.launcher.live();
              expect(state.desired).toBeLessThanOrEqual(h.definition.maxReplicas);
              expect(state.desired).toBeGreaterThanOrEqual(h.definition.minReplicas);
              expect(state.running + state.pending).toBe(live.length);
              expect(state.running).toBe(live.filter((w) => w.status === "running").length);
              expect(live.length).toBe(state.desired);
            } else if (workers.length > 0) {
              const worker = workers[step.index % workers.length]!;
              if (step.kind === "start" && worker.status === "pending") worker.status = "running";
              // A one-shot agent that finished its job, or a warm agent that chose to exit.
              if (step.kind === "wind-down" && worker.status === "running") worker.status = "stopping";
              if (step.kind === "exit") worker.exit();
            }
          }
          for (const worker of h.launcher.workers) {
            // KEDA never kills a ScaledJob's job; a ScaledObject's agent is told once.
            expect(worker.terminations).toBe(h.definition.workload === "scaledJob" ? 0 : Math.min(worker.terminations, 1));
          }
        } finally {
          await h.stop();
        }
      }),
      { numRuns: 300 },
    );
  });
});
