import type { ProxyMode } from "./fault-proxy.js";
import type { LiveStack } from "./live-stack.js";
import type { ProcessScenario } from "./process-scenario.js";
import { PROCESS_SCENARIOS } from "./process-scenarios.js";

export interface ScenarioContext {
  stack: LiveStack;
  sleep(ms: number): Promise<void>;
  note(fault: string): void;
  /** How long a timed fault lasts (`--duration S`); each scenario has its own default. */
  faultMs(defaultMs: number): number;
  /** Submits more jobs now (during a fault, to prove the outbox rides it out); `together`
   * submits them concurrently (a thundering herd). */
  submit(count: number, together?: boolean): Promise<void>;
}

export interface Scenario {
  /** In one test process (the default): the coordinator, the store and the broker are built here. */
  kind?: "in-process";
  name: string;
  description: string;
  agents: number;
  /** Extra environment for the agents (seats, engine speed). */
  agentEnv?: Record<string, string>;
  /** Upper bound on the drain after healing. */
  drainSeconds?: number;
  /** Fraction of jobs whose body crashes the agent every time. */
  poisonRate?: number;
  /** Injects the faults while jobs flow; must heal before it returns. */
  inject(ctx: ScenarioContext): Promise<void>;
}

/** A broker fault through the proxy: more jobs are submitted while it lasts, then every open
 * connection is cut so clients reconnect cleanly, and traffic passes again. */
function brokerFault(name: string, description: string, mode: ProxyMode, fault: string, defaultMs: number): Scenario {
  return {
    name,
    description,
    agents: 3,
    async inject({ stack, sleep, note, submit, faultMs }) {
      await sleep(1500);
      stack.proxy.set(mode);
      note(fault);
      await submit(10);
      await sleep(faultMs(defaultMs));
      stack.proxy.resetAll();
      stack.proxy.set({ kind: "pass" });
    },
  };
}

/** The named live scenarios. Every loop is bounded in count and time. */
export const SCENARIOS: (Scenario | ProcessScenario)[] = [
  brokerFault("broker-outage", "the broker refuses connections for 8 s", { kind: "refuse" }, "broker-refuse", 8000),
  brokerFault("broker-blackhole", "connections stay open but nothing is forwarded for 8 s", { kind: "blackhole" }, "broker-blackhole", 8000),
  brokerFault(
    "broker-half-open",
    "the broker's replies are dropped for 6 s: senders never learn their messages arrived",
    { kind: "drop-replies" },
    "broker-half-open",
    6000,
  ),
  {
    name: "factory-churn",
    description: "kill -9 a running agent every 1.5 s and start a new one",
    agents: 4,
    async inject({ stack, sleep, note }) {
      for (let round = 0; round < 6; round++) {
        await sleep(1500);
        const victim = stack.liveAgents()[0];
        if (victim === undefined) continue;
        victim.child.kill("SIGKILL");
        note("agent-kill");
        stack.startAgent();
      }
    },
  },
  {
    name: "stalled-worker",
    description: "SIGSTOP an agent past its lease, then SIGCONT it: its reports must be fenced",
    agents: 3,
    async inject({ stack, sleep, note }) {
      await sleep(1500);
      const slow = stack.startAgent({ SIM_DURATION_MS: "4000" });
      await sleep(3000);
      slow.child.kill("SIGSTOP");
      note("agent-pause");
      await sleep(9000);
      slow.child.kill("SIGCONT");
      await sleep(2000);
    },
  },
  {
    name: "coordinator-crash",
    description: "the coordinator crashes twice (everything in memory lost) and restarts",
    agents: 3,
    async inject({ stack, sleep, note }) {
      for (let i = 0; i < 2; i++) {
        await sleep(2000);
        note("coordinator-crash");
        await stack.crashCoordinator(1500);
      }
    },
  },
  {
    name: "store-throttle",
    description: "15% of store calls get a 429 for 6 s, then 150 ms of store latency for 3 s, then store connections cut and refused for 2 s",
    agents: 3,
    async inject({ stack, sleep, note, submit, faultMs }) {
      await sleep(1000);
      let n = 0;
      stack.storeFault = () => {
        n++;
        if (n % 7 === 0) {
          note("store-429");
          return { kind: "throttle", retryAfterMs: 50 };
        }
        return "none";
      };
      await sleep(faultMs(6000));
      stack.storeFault = () => "none";
      // Then the network under the store (local peer only): slow, then every connection cut and
      // new ones refused, so writes in flight end with an unknown outcome for real.
      if (stack.storeProxy !== undefined) {
        stack.storeProxy.set({ kind: "latency", ms: 150 });
        note("store-latency");
        await submit(10);
        await sleep(faultMs(3000));
        stack.storeProxy.set({ kind: "refuse" });
        note("store-refuse");
        await sleep(faultMs(2000));
        stack.storeProxy.set({ kind: "pass" });
      }
    },
  },
  {
    name: "thundering-herd",
    description: "10,000 submissions at once (FLEET_HERD_JOBS overrides), 12 agents with 4 seats each",
    agents: 12,
    agentEnv: { SEATS: "4", SIM_DURATION_MS: "30" },
    drainSeconds: 1200,
    async inject({ note, submit }) {
      note("herd");
      await submit(Number(process.env.FLEET_HERD_JOBS ?? 10_000), true);
    },
  },
  {
    name: "combined",
    description: "broker outage, agent churn and a stalled worker at the same time",
    agents: 4,
    async inject({ stack, sleep, note, submit }) {
      await sleep(1500);
      const slow = stack.startAgent({ SIM_DURATION_MS: "4000" });
      await sleep(2500);
      slow.child.kill("SIGSTOP");
      note("agent-pause");
      stack.proxy.set({ kind: "refuse" });
      note("broker-refuse");
      await submit(10);
      for (let round = 0; round < 4; round++) {
        await sleep(1500);
        const victim = stack.liveAgents().find((a) => a !== slow);
        if (victim === undefined) continue;
        victim.child.kill("SIGKILL");
        note("agent-kill");
        stack.startAgent();
      }
      stack.proxy.set({ kind: "pass" });
      await sleep(3000);
      slow.child.kill("SIGCONT");
      await sleep(2000);
    },
  },
  {
    name: "poison",
    description: "10% of jobs crash their agent every time; they must dead-letter, the rest ship",
    agents: 4,
    poisonRate: 0.1,
    async inject({ stack, sleep }) {
      // Crashed agents are replaced, as a ScaledObject's controller does.
      for (let round = 0; round < 60; round++) {
        await sleep(500);
        while (stack.liveAgents().length < 4) stack.startAgent();
      }
    },
  },
  ...PROCESS_SCENARIOS,
];
