import { FleetError } from "../../contracts/index.js";
import type { SimWorld } from "./sim-world.js";
import { FAULT_PHASE_MS, START } from "./sim-setup.js";

export interface Submissions {
  /** Submissions settled either way: acknowledged, or given up after retries (unknown outcome). */
  settled(): number;
}

const PRIORITIES = ["low", "medium", "high", "critical"] as const;

/**
 * The workload: `jobs` idempotent submissions spread over the first half of the fault phase, some
 * of them poison. Each try is recorded; a try without an answer is retried with the same key, as
 * an API client would, up to 20 times.
 */
export function scheduleSubmissions(world: SimWorld): Submissions {
  const { loop, random, history, plan } = world;
  let settled = 0;
  for (let n = 0; n < world.options.jobs; n++) {
    const key = `job-${n}`;
    const poison = random.chance(plan.poisonRate);
    const submit = async (attempt: number): Promise<void> => {
      const op = history.invoke({ kind: "submit", actor: "client", key, poison });
      const coordinator = world.coordinator.current;
      if (coordinator === undefined) {
        history.complete(op, "fail", { code: "UNREACHABLE" });
        return retry(attempt);
      }
      try {
        const { job } = await coordinator.submit("acme", {
          idempotencyKey: key,
          bodyMd: poison ? `# ${key}\nsim:poison` : `# ${key}`,
          persona: "engineer",
          capabilities: ["lang:ts"],
          priority: PRIORITIES[random.int(0, 3)]!,
          retry: { max: 3, backoffSeconds: 1, backoffMaxSeconds: 4 },
          deps: [],
          depsMode: "hard",
          kind: "leaf",
        });
        history.complete(op, "ok", { jobId: job.id });
        settled++;
      } catch (error) {
        history.complete(op, "unknown", { code: error instanceof FleetError ? error.code : "STORE_UNAVAILABLE" });
        return retry(attempt);
      }
    };
    const retry = (attempt: number) => {
      if (attempt < 20) loop.after(500, () => submit(attempt + 1));
      else settled++;
    };
    loop.at(START + random.int(0, FAULT_PHASE_MS / 2), () => submit(0));
  }
  return { settled: () => settled };
}
