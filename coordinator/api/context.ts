import type { CredentialRegistry } from "../auth/credentials.js";
import type { Coordinator } from "../service/coordinator.js";
import type { StorePort } from "../../store/port.js";
import type { FleetMetrics } from "./fleet-metrics.js";
import type { RateLimiter } from "./rate-limiter.js";

/** What the routes need. Components that later issues add (the dispatcher, the autoscaler) plug
 * in through the optional hooks without the routes knowing them. */
export interface ApiContext {
  coordinator: Coordinator;
  credentials: CredentialRegistry;
  store: StorePort;
  metrics: FleetMetrics;
  /** Extra per-pool facts (replicas, subscription counts) merged into GET /fleet/pools. */
  poolExtras?: () => Promise<Record<string, Record<string, unknown>>>;
  /** Whether the process is ready to serve (store reachable, indexes rebuilt). */
  ready: () => boolean;
  /** Per-caller request limits (429 beyond them). */
  limiter?: RateLimiter;
  /** Called after any change that may make work schedulable. */
  kick: () => void;
}
