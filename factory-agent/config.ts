import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { Id } from "../contracts/index.js";
import { ArtifactEnv, artifactEnvProblem, artifactStoreOf } from "../artifacts/artifact-env.js";
import type { ArtifactStoreConfig } from "../artifacts/registry.js";
import { connectionStringProblem, fullyQualifiedNamespaceProblem } from "./service-bus-address.js";

const Seconds = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const Rate = z.coerce.number().min(0).max(1).default(0);
const refineWith = (problem: (value: string) => string | undefined) => (value: string, ctx: z.RefinementCtx) => {
  const message = problem(value);
  if (message !== undefined) ctx.addIssue({ code: "custom", message });
};

/** The agent's configuration, from the environment, validated once at start. Every problem is
 * reported with the variable's name. */
export const AgentEnv = z
  .object({
    COORDINATOR_URL: z.string().url("COORDINATOR_URL must be the coordinator's base URL, e.g. http://127.0.0.1:8080"),
    /** The factory's bearer token (a pool token, or one minted for this factory). */
    FACTORY_TOKEN: z.string().min(20, "FACTORY_TOKEN must be a bearer token (<id>.<secret>)").optional(),
    /** Instead of FACTORY_TOKEN: the pool's enrollment token, exchanged at start for this factory's own. */
    ENROLLMENT_TOKEN: z.string().min(20, "ENROLLMENT_TOKEN must be the pool's enrollment token (<id>.<secret>)").optional(),
    POOL: Id,
    FACTORY_ID: Id.optional(),
    SEATS: Seconds(1, 64, 1),
    MODE: z.enum(["one-shot", "serve"]).default("serve"),
    IDLE_TIMEOUT_SECONDS: Seconds(1, 86_400, 60),
    ENGINE: z.enum(["sim", "command", "noop"]).default("sim"),
    /** For ENGINE=command: the CLI to run, e.g. `claude -p` or `./run-job.sh`. */
    ENGINE_COMMAND: z.string().min(1).optional(),
    /** For ENGINE=command: `stdin` pipes the job body in; `file` writes JOB.md in the work directory. */
    ENGINE_INPUT: z.enum(["stdin", "file"]).default("stdin"),
    WORK_DIR: z.string().default(".tmp/factory-work"),
    SIM_DURATION_MS: z.coerce.number().int().min(0).max(86_400_000).default(2000),
    SIM_FAILURE_RATE: Rate,
    SIM_CRASH_RATE: Rate,
    SERVICEBUS_CONNECTION_STRING: z.string().min(1).superRefine(refineWith(connectionStringProblem)).optional(),
    /** Managed identity: the namespace's fully qualified host. */
    SERVICEBUS_NAMESPACE: z.string().min(1).superRefine(refineWith(fullyQualifiedNamespaceProblem)).optional(),
    /** Optional: reach the namespace through this address (a proxy), e.g. https://127.0.0.1:15671. */
    SERVICEBUS_ENDPOINT_ADDRESS: z.string().url().optional(),
    TOPIC: z.string().min(1).default("assignments"),
    SUBSCRIPTION: z.string().min(1).optional(),
    HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
    HEARTBEAT_SECONDS: Seconds(1, 3600, 15),
    GRACE_SECONDS: Seconds(1, 3600, 25),
    /** Default wall-clock budget when a job has none. */
    DEFAULT_WALL_SECONDS: Seconds(1, 7 * 86_400, 3600),
    /** PR mode: where `owner/name` repositories are cloned from (a host, or a folder of bare repositories). */
    GIT_BASE_URL: z.string().min(1).default("https://github.com"),
    /** Blob Storage for attempts' logs and files (artifacts/artifact-env.ts). */
    ...ArtifactEnv,
    /** How often an attempt's log is appended to its blob while it runs. */
    LOG_FLUSH_SECONDS: Seconds(1, 60, 3),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .superRefine((env, ctx) => {
    if (env.SERVICEBUS_CONNECTION_STRING === undefined && env.SERVICEBUS_NAMESPACE === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["SERVICEBUS_CONNECTION_STRING"],
        message: "set SERVICEBUS_CONNECTION_STRING, or SERVICEBUS_NAMESPACE (fully qualified) to use managed identity",
      });
    }
    if ((env.FACTORY_TOKEN === undefined) === (env.ENROLLMENT_TOKEN === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["FACTORY_TOKEN"],
        message:
          env.FACTORY_TOKEN === undefined
            ? "set FACTORY_TOKEN (a factory or pool token), or ENROLLMENT_TOKEN (the pool's enrollment token) to enroll at start"
            : "set FACTORY_TOKEN or ENROLLMENT_TOKEN, not both",
      });
    }
    const artifactProblem = artifactEnvProblem(env);
    if (artifactProblem !== undefined) ctx.addIssue({ code: "custom", path: ["ARTIFACTS_CONNECTION_STRING"], message: artifactProblem });
    if (env.ENGINE === "command" && env.ENGINE_COMMAND === undefined) {
      ctx.addIssue({ code: "custom", path: ["ENGINE_COMMAND"], message: "ENGINE=command needs ENGINE_COMMAND, the CLI to run" });
    }
  });

export interface AgentConfig {
  coordinatorUrl: string;
  /** How the agent authenticates: a token it was given, or an enrollment token it exchanges at start. */
  credential: { kind: "token"; token: string } | { kind: "enrollment"; enrollmentToken: string };
  /** Whether FACTORY_ID was given (an enrolled factory otherwise takes the id the coordinator picks). */
  factoryIdGiven: boolean;
  pool: string;
  factoryId: string;
  seats: number;
  mode: "one-shot" | "serve";
  idleTimeoutMs: number;
  engine:
    | { kind: "sim"; durationMs: number; failureRate: number; crashRate: number }
    | { kind: "command"; command: string; input: "stdin" | "file" }
    | { kind: "noop" };
  workDir: string;
  broker: ({ connectionString: string } | { fullyQualifiedNamespace: string }) & { customEndpointAddress?: string };
  topic: string;
  subscription: string;
  healthPort: number;
  heartbeatMs: number;
  graceMs: number;
  defaultWallMs: number;
  logLevel: string;
  gitBaseUrl: string;
  /** Where attempts' logs and files go; undefined: nowhere (the engine's own pointers are released as they are). */
  artifacts: Exclude<ArtifactStoreConfig, { kind: "memory" }> | undefined;
  logFlushMs: number;
}

/** Parses the environment. Throws an Error naming every bad or missing variable. */
export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const result = AgentEnv.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(environment)"}: ${issue.message}`);
    // Cross-variable rules run only once every field parsed; report them anyway so one run names every problem.
    if (env.SERVICEBUS_CONNECTION_STRING === undefined && env.SERVICEBUS_NAMESPACE === undefined && !lines.some((l) => l.includes("SERVICEBUS"))) {
      lines.push("  SERVICEBUS_CONNECTION_STRING: set SERVICEBUS_CONNECTION_STRING, or SERVICEBUS_NAMESPACE (fully qualified) to use managed identity");
    }
    throw new Error(`invalid factory-agent configuration:\n${lines.join("\n")}`);
  }
  const e = result.data;
  return {
    coordinatorUrl: e.COORDINATOR_URL.replace(/\/$/, ""),
    credential: e.FACTORY_TOKEN !== undefined ? { kind: "token", token: e.FACTORY_TOKEN } : { kind: "enrollment", enrollmentToken: e.ENROLLMENT_TOKEN! },
    factoryIdGiven: e.FACTORY_ID !== undefined,
    pool: e.POOL,
    factoryId: e.FACTORY_ID ?? `${e.POOL}-${hostname().replace(/[^A-Za-z0-9-]/g, "").slice(0, 30) || "host"}-${process.pid}-${randomBytes(3).toString("hex")}`,
    seats: e.SEATS,
    mode: e.MODE,
    idleTimeoutMs: e.IDLE_TIMEOUT_SECONDS * 1000,
    engine:
      e.ENGINE === "sim"
        ? { kind: "sim", durationMs: e.SIM_DURATION_MS, failureRate: e.SIM_FAILURE_RATE, crashRate: e.SIM_CRASH_RATE }
        : e.ENGINE === "noop"
          ? { kind: "noop" }
          : { kind: "command", command: e.ENGINE_COMMAND!, input: e.ENGINE_INPUT },
    workDir: e.WORK_DIR,
    broker: {
      ...(e.SERVICEBUS_CONNECTION_STRING !== undefined ? { connectionString: e.SERVICEBUS_CONNECTION_STRING } : { fullyQualifiedNamespace: e.SERVICEBUS_NAMESPACE! }),
      ...(e.SERVICEBUS_ENDPOINT_ADDRESS === undefined ? {} : { customEndpointAddress: e.SERVICEBUS_ENDPOINT_ADDRESS }),
    },
    topic: e.TOPIC,
    subscription: e.SUBSCRIPTION ?? e.POOL,
    healthPort: e.HEALTH_PORT,
    heartbeatMs: e.HEARTBEAT_SECONDS * 1000,
    graceMs: e.GRACE_SECONDS * 1000,
    defaultWallMs: e.DEFAULT_WALL_SECONDS * 1000,
    logLevel: e.LOG_LEVEL,
    gitBaseUrl: e.GIT_BASE_URL,
    artifacts: artifactStoreOf(e),
    logFlushMs: e.LOG_FLUSH_SECONDS * 1000,
  };
}
