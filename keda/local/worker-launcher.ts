import type { PoolDefinition } from "../../contracts/index.js";

/**
 * pending: started, not ready yet; running: serving; stopping: told to stop (SIGTERM) or announced
 * its own exit, still alive but taking no new work, so it counts as neither a replica nor capacity
 * (as Kubernetes leaves terminating pods out of a ReplicaSet); exited: gone.
 */
export type WorkerState = "pending" | "running" | "stopping" | "exited";

/** One factory container as the local autoscaler sees it (a process here, a pod in a cluster). */
export interface WorkerHandle {
  readonly id: string;
  readonly pool: string;
  readonly mode: "one-shot" | "serve";
  readonly startedAt: number;
  state(): WorkerState;
  /** Scale-in: SIGTERM, the agent drains and exits; the state is `stopping` from here on. */
  terminate(): void;
  /** SIGKILL. */
  kill(): void;
  readonly exited: Promise<number | null>;
}

export interface WorkerLauncher {
  launch(pool: PoolDefinition, mode: "one-shot" | "serve"): WorkerHandle;
}
