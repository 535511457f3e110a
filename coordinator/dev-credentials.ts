import type { Topology } from "../contracts/index.js";
import { type CredentialsFile, mintToken } from "./auth/credentials.js";

export interface DevCredentials {
  file: CredentialsFile;
  operatorToken: string;
  fleetOperatorToken: string;
  poolTokens: Record<string, string>;
}

/** The product a local run submits for, and whose jobs the development pool tokens run. */
export const DEV_PRODUCT_ID = "demo";

/** Fresh random tokens for a local run without a credentials file: an operator key for product
 * `demo`, a fleet-wide operator key, and one token per pool (shared by that pool's factories) for
 * product `demo` too: factory credentials never span products. */
export function mintDevCredentials(topology: Topology, productId = DEV_PRODUCT_ID): DevCredentials {
  const operator = mintToken(`op-${productId}`);
  const fleet = mintToken("op-fleet");
  const poolTokens: Record<string, string> = {};
  const factories: CredentialsFile["factories"] = [];
  for (const pool of topology.pools) {
    const minted = mintToken(`pool-${pool.name}`);
    poolTokens[pool.name] = minted.token;
    factories.push({ id: `pool-${pool.name}`, productId, pool: pool.name, secretSha256: minted.secretSha256, revoked: false });
  }
  return {
    file: {
      operators: [
        { id: `op-${productId}`, productId, role: "operator", secretSha256: operator.secretSha256, revoked: false },
        { id: "op-fleet", productId: "*", role: "operator", secretSha256: fleet.secretSha256, revoked: false },
      ],
      factories,
    },
    operatorToken: operator.token,
    fleetOperatorToken: fleet.token,
    poolTokens,
  };
}
