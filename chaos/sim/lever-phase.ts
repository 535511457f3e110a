import { FleetError } from "../../contracts/index.js";
import type { Coordinator } from "../../coordinator/service/coordinator.js";
import type { LeverOp } from "../history/operation.js";
import { PRODUCTS, SCHEDULE_NAME } from "./lever-plan.js";
import type { SimWorld } from "./sim-world.js";
import { FAULT_PHASE_MS, START } from "./sim-setup.js";

/** What the run waits for before it may call itself drained: every lever lifted, the schedule gone. */
export interface Levers {
  settled(): boolean;
}

const RETRY_MS = 500;
const MAX_TRIES = 40;

/**
 * The operators at work, as the fault plan's levers say: each call goes to the coordinator's own
 * lever methods (what the operator API calls), is recorded as a lever operation with its outcome,
 * and is retried while the coordinator is down or the store refuses (a pause is given up at the
 * heal; lifting a lever is retried until it holds). At the heal the operators lift what is still
 * in force: product and pool pauses are resumed and the budget's ceiling is raised, so the backlog
 * can drain. The schedule is deleted at its planned time, between two occurrences.
 */
export function scheduleLevers(world: SimWorld): Levers {
  const { loop, plan } = world;
  const levers = plan.levers;
  let pending = 0;
  const operate = (lever: LeverOp["lever"], target: string, call: (coordinator: Coordinator) => Promise<unknown>, options: { detail?: string; inFaultPhaseOnly?: boolean } = {}) => {
    pending++;
    return new Promise<boolean>((resolve) => {
      const attempt = async (tries: number): Promise<void> => {
        if (options.inFaultPhaseOnly === true && !world.inFaultPhase()) {
          pending--;
          return resolve(false);
        }
        const op = world.history.invoke({ kind: "lever", actor: "operator", lever, target, ...(options.detail === undefined ? {} : { detail: options.detail }) });
        const coordinator = world.coordinator.current;
        const retry = () => {
          if (tries + 1 < MAX_TRIES) return loop.after(RETRY_MS, () => attempt(tries + 1));
          pending--;
          resolve(false);
        };
        if (coordinator === undefined) {
          world.history.complete(op, "fail", { code: "UNREACHABLE" });
          return retry();
        }
        try {
          await call(coordinator);
          world.history.complete(op, "ok");
          pending--;
          return resolve(true);
        } catch (error) {
          // A 4xx is the coordinator's answer (give up); a 503 or a store error may have applied: retry.
          const answered = error instanceof FleetError && error.code !== "STORE_UNAVAILABLE" && error.code !== "RATE_LIMITED";
          world.history.complete(op, answered ? "fail" : "unknown", { code: error instanceof FleetError ? error.code : "STORE_UNAVAILABLE" });
          if (!answered) return retry();
          pending--;
          resolve(false);
        }
      };
      void attempt(0);
    });
  };

  const { budget } = levers;
  if (budget !== undefined) {
    world.count("lever-budget");
    loop.at(START + budget.setAt, () =>
      void operate(
        "put-budget",
        budget.productId,
        (c) => c.putBudget(budget.productId, { ceilingUsd: budget.ceilingUsd, window: budget.window, windowStart: budget.windowStart, onCeiling: budget.onCeiling, holdBack: budget.holdBack }, "operator"),
        { detail: `ceiling ${budget.ceilingUsd} USD ${budget.window} from ${budget.windowStart}, on ceiling ${budget.onCeiling}` },
      ),
    );
  }
  for (const pause of levers.productPauses) {
    loop.at(START + pause.at, async () => {
      world.count(`lever-product-pause-${pause.mode}`);
      const paused = await operate("pause-product", pause.productId, (c) => c.pauseProduct(pause.productId, { mode: pause.mode, reason: "operator pause in the simulation" }, "operator"), {
        detail: pause.mode,
        inFaultPhaseOnly: true,
      });
      if (paused) loop.after(pause.forMs, () => void operate("resume-product", pause.productId, (c) => c.resumeProduct(pause.productId, "operator")));
    });
  }
  for (const pause of levers.poolPauses) {
    loop.at(START + pause.at, async () => {
      world.count(pause.drain ? "lever-pool-drain" : "lever-pool-pause");
      const paused = await operate(pause.drain ? "drain-pool" : "pause-pool", "general", (c) => c.pausePool("general", "operator pause in the simulation", "operator", pause.drain), { inFaultPhaseOnly: true });
      if (paused) loop.after(pause.forMs, () => void operate("resume-pool", "general", (c) => c.resumePool("general", "operator")));
    });
  }
  const { schedule } = levers;
  if (schedule !== undefined) {
    world.count("lever-schedule");
    loop.at(START + schedule.createAt, () =>
      void operate(
        "put-schedule",
        `${schedule.productId}/${SCHEDULE_NAME}`,
        (c) =>
          c.putSchedule(schedule.productId, SCHEDULE_NAME, {
            cron: schedule.cron,
            timeZone: schedule.timeZone,
            overlap: schedule.overlap,
            paused: false,
            job: { bodyMd: "# sweep the backlog\nsim:long", persona: "engineer", capabilities: ["lang:ts"], priority: "medium", retry: { max: 3, backoffSeconds: 1, backoffMaxSeconds: 4 } },
          }),
        { detail: `${schedule.cron} ${schedule.timeZone} overlap ${schedule.overlap}` },
      ),
    );
    const { pause } = schedule;
    if (pause !== undefined) {
      world.count("lever-schedule-pause");
      loop.at(START + pause.at, async () => {
        const paused = await operate("pause-schedule", `${schedule.productId}/${SCHEDULE_NAME}`, (c) => c.pauseSchedule(schedule.productId, SCHEDULE_NAME, "operator pause in the simulation"));
        if (paused) loop.after(pause.forMs, () => void operate("resume-schedule", `${schedule.productId}/${SCHEDULE_NAME}`, (c) => c.resumeSchedule(schedule.productId, SCHEDULE_NAME)));
      });
    }
    pending++;
    loop.at(START + schedule.deleteAt, async () => {
      pending--;
      await operate("delete-schedule", `${schedule.productId}/${SCHEDULE_NAME}`, (c) => c.deleteSchedule(schedule.productId, SCHEDULE_NAME));
    });
  }
  // The heal: lift every pause still in force and raise the ceiling, so the backlog drains.
  pending++;
  loop.at(START + FAULT_PHASE_MS, () => {
    pending--;
    for (const productId of PRODUCTS) void operate("resume-product", productId, (c) => c.resumeProduct(productId, "operator"));
    void operate("resume-pool", "general", (c) => c.resumePool("general", "operator"));
    if (budget !== undefined) void operate("put-budget", budget.productId, (c) => c.putBudget(budget.productId, { ceilingUsd: 10_000 }, "operator"), { detail: "ceiling raised to 10000 USD" });
  });
  return { settled: () => pending === 0 };
}
