import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Topology } from "../contracts/index.js";
import { CredentialsFile } from "../coordinator/auth/credentials.js";
import { DEV_PRODUCT_ID, type DevCredentials, mintDevCredentials } from "../coordinator/dev-credentials.js";
import { UsageError } from "./entry-point.js";

/** Where a local run keeps its state: `.fleet/` in the working directory unless told otherwise. */
export const DEFAULT_DATA_DIR = ".fleet";

export interface DataDirChoice {
  /** Absolute path, or undefined for an in-memory run (nothing survives a restart). */
  dir: string | undefined;
  /** Whether the directory was wiped at start (`--fresh`). */
  wiped: boolean;
}

/** Resolves `--data-dir` / `FLEET_DATA_DIR` / the default, `--fresh` (wipe first) and `--in-memory`. */
export function chooseDataDir(options: { flag?: string; env?: string; fresh: boolean; inMemory: boolean }): DataDirChoice {
  if (options.inMemory) {
    if (options.flag !== undefined) throw new UsageError("--in-memory keeps nothing on disk: drop --data-dir, or drop --in-memory");
    return { dir: undefined, wiped: false };
  }
  const dir = resolve(options.flag ?? options.env ?? DEFAULT_DATA_DIR);
  if (options.fresh && existsSync(dir)) {
    if (!existsSync(join(dir, TOKENS_FILE)) && !existsSync(join(dir, CREDENTIALS_FILE))) {
      throw new UsageError(`--fresh would wipe ${dir}, which does not look like a Fleet Dispatch data directory (no ${TOKENS_FILE}); remove it yourself or pick another --data-dir`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { dir, wiped: options.fresh };
}

const TOKENS_FILE = "tokens.json";
const CREDENTIALS_FILE = "credentials.json";

export interface LocalTokens {
  operatorToken: string;
  fleetOperatorToken: string;
  poolTokens: Record<string, string>;
}

/**
 * Development credentials that survive restarts: minted once into the data directory (the
 * plaintext tokens in `tokens.json` and their hashes in `credentials.json`, both mode 0600) and
 * reused after, so scripts keep working. A pool added to the topology later gets a token added.
 */
export function persistentDevCredentials(dir: string, topology: Topology): { tokens: LocalTokens; credentialsFile: string; minted: boolean } {
  const tokensPath = join(dir, TOKENS_FILE);
  const credentialsPath = join(dir, CREDENTIALS_FILE);
  let minted = false;
  let rewrite = false;
  let dev: DevCredentials;
  if (existsSync(tokensPath) && existsSync(credentialsPath)) {
    const tokens = JSON.parse(readFileSync(tokensPath, "utf8")) as LocalTokens;
    const raw = JSON.parse(readFileSync(credentialsPath, "utf8")) as unknown;
    const upgraded = withoutFleetWidePoolTokens(raw);
    const file = CredentialsFile.parse(upgraded.file);
    dev = { file, ...tokens };
    rewrite = upgraded.changed;
    const missing = topology.pools.filter((pool) => tokens.poolTokens[pool.name] === undefined);
    if (missing.length > 0) {
      const fresh = mintDevCredentials({ ...topology, pools: missing });
      dev = {
        ...dev,
        file: { ...dev.file, factories: [...dev.file.factories, ...fresh.file.factories] },
        poolTokens: { ...dev.poolTokens, ...fresh.poolTokens },
      };
      minted = true;
    }
  } else {
    dev = mintDevCredentials(topology);
    minted = true;
  }
  if (minted || rewrite) {
    writePrivate(tokensPath, JSON.stringify({ operatorToken: dev.operatorToken, fleetOperatorToken: dev.fleetOperatorToken, poolTokens: dev.poolTokens }, null, 2));
    writePrivate(credentialsPath, JSON.stringify(dev.file, null, 2));
  }
  return { tokens: { operatorToken: dev.operatorToken, fleetOperatorToken: dev.fleetOperatorToken, poolTokens: dev.poolTokens }, credentialsFile: credentialsPath, minted };
}

/**
 * Data directories written before pool tokens were scoped to one product hold pool tokens for
 * product "*"; they become tokens of the development product (the one the local operator key
 * submits for), which is what they served. The tokens themselves stay the same.
 */
function withoutFleetWidePoolTokens(raw: unknown): { file: unknown; changed: boolean } {
  const factories = (raw as { factories?: unknown } | null)?.factories;
  if (!Array.isArray(factories) || !factories.some((f) => (f as { productId?: unknown })?.productId === "*")) return { file: raw, changed: false };
  return {
    file: { ...(raw as object), factories: factories.map((f) => ((f as { productId?: unknown }).productId === "*" ? { ...(f as object), productId: DEV_PRODUCT_ID } : f)) },
    changed: true,
  };
}

function writePrivate(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
  chmodSync(`${path}.tmp`, 0o600);
  // Rename is atomic: a crash leaves the old file or the new one, never half of one.
  renameSync(`${path}.tmp`, path);
}
