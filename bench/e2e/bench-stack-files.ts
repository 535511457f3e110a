import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { mintToken } from "../../coordinator/auth/tokens.js";

export const E2E_PRODUCT = "bench";
export const E2E_POOL = "bench";
export const E2E_TOPIC = "assignments";
export const E2E_CAPABILITIES = ["os:linux"];

/** A limit no benchmark rate reaches: the figures measure the dispatch path, not the limiter. */
const UNTHROTTLED = { perSecond: 1_000_000, burst: 1_000_000 };

export interface BenchStackFiles {
  credentialsFile: string;
  topologyFile: string;
  operatorToken: string;
  poolToken: string;
}

/**
 * The coordinator's credentials (a load-tester key and a pool token, each with its own limit far
 * above any offered rate) and topology (one pool whose seats and replicas fit the agents).
 */
export function writeBenchStackFiles(dir: string, shape: { agents: number; seats: number }): BenchStackFiles {
  const operator = mintToken("op-bench");
  const pool = mintToken("pool-bench");
  const credentialsFile = join(dir, "credentials.json");
  writeFileSync(
    credentialsFile,
    JSON.stringify({
      operators: [{ id: "op-bench", productId: E2E_PRODUCT, role: "load-tester", secretSha256: operator.secretSha256, rateLimit: UNTHROTTLED }],
      factories: [{ id: "pool-bench", productId: E2E_PRODUCT, pool: E2E_POOL, secretSha256: pool.secretSha256, rateLimit: UNTHROTTLED }],
    }),
    { mode: 0o600 },
  );
  const topologyFile = join(dir, "topology.json");
  writeFileSync(
    topologyFile,
    JSON.stringify({
      topic: E2E_TOPIC,
      pools: [
        {
          name: E2E_POOL,
          capabilities: E2E_CAPABILITIES,
          image: "factory:bench",
          seats: shape.seats,
          maxReplicas: Math.max(shape.agents, 1),
          workload: "scaledObject",
        },
      ],
    }),
  );
  return { credentialsFile, topologyFile, operatorToken: operator.token, poolToken: pool.token };
}
