import { FleetError, type SubmitJobBody } from "../../contracts/index.js";
import { PRODUCTS } from "./lever-plan.js";
import type { SimWorld } from "./sim-world.js";
import { FAULT_PHASE_MS, START } from "./sim-setup.js";

export interface Submissions {
  /** How many submissions the clients make in all (the workload and the critical bursts). */
  readonly expected: number;
  /** Submissions settled either way: acknowledged, or given up after retries (unknown outcome). */
  settled(): number;
}

const PRIORITIES = ["low", "medium", "high", "critical"] as const;

/**
 * The workload: `jobs` idempotent submissions spread over the first half of the fault phase and
 * over the products, some of them poison, some delayed (`notBefore` up to 20 s ahead), and the
 * fault plan's bursts of critical jobs (which, with every seat taken, preempt lower-priority
 * work). Each try is recorded; a try without an answer is retried with the same key, as an API
 * client would, up to 20 times.
 */
export function scheduleSubmissions(world: SimWorld): Submissions {
  const { loop, random, plan } = world;
  let settled = 0;
  let expected = 0;
  const submit = (key: string, at: number, priority: SubmitJobBody["priority"]) => {
    expected++;
    const poison = random.chance(plan.poisonRate);
    const productId = PRODUCTS[random.chance(0.65) ? 0 : 1]!;
    const delayMs = random.chance(plan.levers.notBeforeRate) ? random.int(1000, 20_000) : undefined;
    // Under a hold-back budget, jobs carry their own budget: those above what is left wait.
    const jobBudget = plan.levers.budget?.holdBack === true && random.chance(0.5) ? { usd: random.int(50, 400) / 100 } : undefined;
    if (delayMs !== undefined) world.count("lever-delayed-job");
    if (priority === "critical") world.count("lever-critical-job");
    const attempt = async (tries: number): Promise<void> => {
      const notBefore = delayMs === undefined ? undefined : at + delayMs;
      const op = world.history.invoke({ kind: "submit", actor: "client", key, poison, productId, priority, ...(notBefore === undefined ? {} : { notBefore }) });
      const coordinator = world.coordinator.current;
      if (coordinator === undefined) {
        world.history.complete(op, "fail", { code: "UNREACHABLE" });
        return retry(tries);
      }
      try {
        const { job } = await coordinator.submit(productId, {
          idempotencyKey: key,
          bodyMd: poison ? `# ${key}\nsim:poison` : `# ${key}`,
          persona: "engineer",
          capabilities: ["lang:ts"],
          priority,
          retry: { max: 3, backoffSeconds: 1, backoffMaxSeconds: 4 },
          deps: [],
          depsMode: "hard",
          kind: "leaf",
          ...(notBefore === undefined ? {} : { notBefore }),
          ...(jobBudget === undefined ? {} : { budget: jobBudget }),
        });
        world.history.complete(op, "ok", { jobId: job.id });
        settled++;
      } catch (error) {
        world.history.complete(op, "unknown", { code: error instanceof FleetError ? error.code : "STORE_UNAVAILABLE" });
        return retry(tries);
      }
    };
    const retry = (tries: number) => {
      if (tries < 20) loop.after(500, () => attempt(tries + 1));
      else settled++;
    };
    loop.at(at, () => attempt(0));
  };
  for (let n = 0; n < world.options.jobs; n++) submit(`job-${n}`, START + random.int(0, FAULT_PHASE_MS / 2), PRIORITIES[random.int(0, 3)]!);
  for (const [index, burst] of plan.levers.criticalBursts.entries()) {
    for (let n = 0; n < burst.count; n++) submit(`critical-${index}-${n}`, START + burst.at, "critical");
  }
  return { expected, settled: () => settled };
}
