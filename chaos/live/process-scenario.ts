import type { JobDoc } from "../../contracts/index.js";
import type { History } from "../history/history.js";
import type { ProcessLayout, ProcessStack } from "./process-stack.js";

export interface ProcessScenarioContext {
  stack: ProcessStack;
  history: History;
  sleep(ms: number): Promise<void>;
  /** Counts an injected fault (and opens its window in the report). */
  note(fault: string): void;
  /** A figure the scenario measured (printed with the run, kept in the report). */
  fact(name: string, value: string | number): void;
  faultMs(defaultMs: number): number;
  /** The run's seeded random source (the seed is a fact of the run: FLEET_CHAOS_SEED replays it). */
  random(): number;
  submit(count: number): Promise<void>;
  /** Submits `count` jobs at once straight to one coordinator's URL (as clients whose connections
   * landed there), each retried there until acknowledged. */
  submitTo(url: string, count: number): Promise<void>;
  /** Submits one job every `everyMs` until stopped, so faults land in a running workload. */
  trickle(everyMs: number): { stop(): Promise<void> };
  /** Records a coordinator crash and its restart in the history as they happen. */
  crashed(index: number): void;
  restarted(index: number): void;
}

export interface ProcessVerifyContext {
  stack: ProcessStack;
  /** Every job the store holds after the drain, with its whole timeline. */
  jobs: JobDoc[];
  facts: Record<string, string | number>;
  faults: Record<string, number>;
}

/**
 * A live scenario whose parts are separate processes (chaos/live/process-stack.ts): crashes are
 * real SIGKILLs of the store, the broker, the coordinator or its replicas. Runs through the public
 * API like any client. `verify` proves the scenario's fault fired and checks what the scenario
 * promises beyond the shared invariants; it returns violations.
 */
export interface ProcessScenario {
  kind: "processes";
  name: string;
  description: string;
  layout: ProcessLayout;
  agents: number;
  agentEnv?: Record<string, string>;
  drainSeconds?: number;
  inject(ctx: ProcessScenarioContext): Promise<void>;
  verify(ctx: ProcessVerifyContext): Promise<string[]>;
}
