import type { PoolDefinition } from "../../contracts/index.js";

export type WorkerState = "pending" | "running" | "exited";

/** One factory container as the local autoscaler sees it (a process here, a pod in a cluster). */
export interface WorkerHandle {
  readonly id: string;
  readonly pool: string;
  readonly mode: "one-shot" | "serve";
  readonly startedAt: number;
  state(): WorkerState;
  /** Scale-in: SIGTERM, the agent drains and exits. */
  terminate(): void;
  /** SIGKILL. */
  kill(): void;
  readonly exited: Promise<number | null>;
}

export interface WorkerLauncher {
  launch(pool: PoolDefinition, mode: "one-shot" | "serve"): WorkerHandle;
}
