import { z } from "zod";
import { formatZodIssues } from "../contracts/validation-message.js";

/** The coordinator's configuration, from the environment, validated once at start. */
export const CoordinatorConfig = z.object({
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** memory: in-process maps; embedded: the local Cosmos DB protocol peer in-process; cosmos: a real account. */
  STORE: z.enum(["memory", "embedded", "cosmos"]).default("embedded"),
  COSMOS_ENDPOINT: z.string().url().optional(),
  /** Account key; leave unset to use managed identity (DefaultAzureCredential). */
  COSMOS_KEY: z.string().optional(),
  COSMOS_DATABASE: z.string().min(1).default("fleet"),
  TOPOLOGY_FILE: z.string().optional(),
  /** JSON file of hashed credentials; without it a local run mints and prints development tokens. */
  CREDENTIALS_FILE: z.string().optional(),
  TICK_MAX_IDLE_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** Service Bus: a connection string, or the fully qualified namespace for managed identity.
   * With either, this process also runs the dispatcher (outbox relay, dead-letter monitor). */
  SERVICEBUS_CONNECTION_STRING: z.string().min(1).optional(),
  SERVICEBUS_NAMESPACE: z.string().min(1).optional(),
  /** Port of the KEDA external push scaler (gRPC), served when the dispatcher runs. */
  SCALER_PORT: z.coerce.number().int().min(0).max(65_535).default(9090),
});
export type CoordinatorConfig = z.infer<typeof CoordinatorConfig>;

export function loadCoordinatorConfig(env: NodeJS.ProcessEnv = process.env): CoordinatorConfig {
  const result = CoordinatorConfig.safeParse(env);
  if (!result.success) throw new Error(`invalid coordinator configuration: ${formatZodIssues(result.error.issues)}`);
  const config = result.data;
  if (config.STORE === "cosmos" && config.COSMOS_ENDPOINT === undefined) {
    throw new Error("invalid coordinator configuration: COSMOS_ENDPOINT is required when STORE=cosmos");
  }
  return config;
}
