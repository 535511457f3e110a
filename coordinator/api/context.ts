import type { PoolScaleSample } from "../../contracts/event-stream.js";
import type { StoreStats } from "../../store/port.js";
import type { CredentialRegistry, PresentedKind } from "../auth/credentials.js";
import type { ArtifactCatalog } from "../service/artifact-catalog.js";
import type { Coordinator } from "../service/coordinator.js";
import type { CredentialBook } from "../service/credential-book.js";
import type { DeadLetterView } from "../service/dead-letter-view.js";
import type { EventHub } from "../service/event-hub.js";
import type { FactoryEnrollment } from "../service/factory-enrollment.js";
import type { FactoryRegistry } from "../service/factory-registry.js";
import type { RateLimiter } from "./rate-limiter.js";
import type { StreamRegistry } from "./stream-registry.js";

/** The Prometheus endpoint as the routes see it. */
export interface MetricsEndpoint {
  countRequest(route: string, status: number): void;
  /** A request refused by authentication (401, or 403 for the wrong kind of credential). */
  countAuthFailure(kind: PresentedKind): void;
  render(): Promise<string>;
}

/** Whether the process can do its job; each check names a dependency and its state. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

/** The per-pool scale samples of the last hour, kept in the process's memory. */
export interface PoolHistoryReader {
  readonly intervalMs: number;
  readonly windowMs: number;
  /** Every pool's samples (or one pool's), oldest first; undefined for an unknown pool. */
  samples(pool?: string): { pool: string; samples: PoolScaleSample[] }[] | undefined;
}

/** What the routes need: the coordinator's public operations and the views beside it. The
 * composition root builds it; the routes never see the store or the broker. */
export interface ApiContext {
  coordinator: Coordinator;
  deadLetters: DeadLetterView;
  /** Attempts' logs and files (pointers on the jobs, bytes in the artifact store, when one is configured). */
  artifacts: ArtifactCatalog;
  factories: FactoryRegistry;
  credentials: CredentialRegistry;
  /** Run-time operator keys and factory tokens (rotate, revoke). */
  credentialBook: CredentialBook;
  /** Enrollment tokens and enrollment. */
  enrollment: FactoryEnrollment;
  metrics: MetricsEndpoint;
  storeStats: () => StoreStats;
  /** Extra per-pool facts (replicas, subscription counts) merged into GET /fleet/pools. */
  poolFacts?: () => Promise<Record<string, Record<string, unknown>>>;
  readiness: () => Readiness;
  /** Per-caller request limits (429 beyond them). */
  limiter?: RateLimiter;
  /** Called after any change that may make work schedulable. */
  kick: () => void;
  /** The live event streams (SSE); without them the stream routes are not served. */
  streams?: { hub: EventHub; registry: StreamRegistry };
  poolHistory?: PoolHistoryReader;
  /** The operator console's built files, served at /ui. */
  console?: { assetsDir: string };
  /** A folder of chaos and load reports (`*.json`), listed for the console (the local stack). */
  reportsDir?: string;
}
