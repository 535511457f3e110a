import {
  type Clock,
  FLEET_PRODUCT_ID,
  type FactoryDoc,
  type FactoryHealth,
  type FactoryList,
  type FactoryView,
  type HeartbeatBody,
  type JobDoc,
  type ListFactoriesQuery,
  RUNNING_STAGES,
} from "../../contracts/index.js";
import { isStoreError, type StoreFilter, type StorePort } from "../../store/port.js";
import type { FactoryPrincipal } from "../auth/principal.js";
import { iso } from "./credential-views.js";

export interface FactoryRegistryOptions {
  store: StorePort;
  clock: Clock;
  /** Capabilities a factory has when its heartbeat does not list them: its pool's. */
  poolCapabilities: (pool: string) => readonly string[];
  /** A factory silent for longer than this no longer counts as a live replica. It MUST be well
   * above the agents' heartbeat interval (more than twice it), or a factory flaps between live and
   * stale between two heartbeats. */
  staleAfterMs: number;
  /** Time to live of factory documents, from their last heartbeat (default: ten minutes). */
  ttlSeconds?: number;
}

export const FACTORY_TTL_SECONDS = 600;

/** A pool's factories as heartbeats tell them, and the health they add up to. */
export interface PoolFactoryHealth {
  live: number;
  stale: number;
  ok: number;
  degraded: number;
  down: number;
  health: FactoryHealth;
  reason?: string;
}

interface Seen {
  pool: string;
  productId: string;
  factoryId: string;
  at: number;
  startedAt: number;
  health: FactoryHealth;
}

/**
 * The factories the coordinator has heard from. Each heartbeat upserts the factory's document
 * (single writer: the factory itself) with a time to live, so a container that died without
 * deregistering leaves nothing behind, and refreshes an in-memory last-seen time from which live
 * replicas and pool health are counted without a store read. Which jobs each factory holds comes
 * from the coordinator's commits (`observe`), never from what a factory says.
 */
export class FactoryRegistry {
  private readonly lastSeen = new Map<string, Seen>();
  private readonly jobsOf = new Map<string, Set<string>>();
  private readonly holderOf = new Map<string, string>();
  private readonly ttlSeconds: number;

  constructor(private readonly options: FactoryRegistryOptions) {
    this.ttlSeconds = options.ttlSeconds ?? FACTORY_TTL_SECONDS;
  }

  get staleAfterMs(): number {
    return this.options.staleAfterMs;
  }

  /** Commit listener: keeps "which factory holds which lease" in step with every job change. */
  observe(_previous: JobDoc | undefined, next: JobDoc): void {
    const factoryId = next.lease?.factoryId;
    const holder = factoryId !== undefined && RUNNING_STAGES.has(next.stage) ? keyOf(next.productId, factoryId) : undefined;
    const before = this.holderOf.get(next.id);
    if (before === holder) return;
    if (before !== undefined) {
      const jobs = this.jobsOf.get(before);
      jobs?.delete(next.id);
      if (jobs?.size === 0) this.jobsOf.delete(before);
      this.holderOf.delete(next.id);
    }
    if (holder !== undefined) {
      this.holderOf.set(next.id, holder);
      const jobs = this.jobsOf.get(holder) ?? new Set<string>();
      jobs.add(next.id);
      this.jobsOf.set(holder, jobs);
    }
  }

  async heartbeat(principal: FactoryPrincipal, body: HeartbeatBody): Promise<{ ok: true; at: number }> {
    const now = this.options.clock.now();
    const productId = productOf(principal.productId);
    const key = keyOf(productId, principal.factoryId);
    const known = this.lastSeen.get(key);
    const startedAt = known?.startedAt ?? (await this.options.store.get("factories", principal.factoryId, productId))?.doc.startedAt ?? now;
    const doc: FactoryDoc = {
      id: principal.factoryId,
      productId,
      pool: principal.pool,
      capabilities: [...(body.capabilities ?? this.options.poolCapabilities(principal.pool))],
      seats: body.seats,
      load: body.load,
      health: body.health,
      credentialId: principal.credentialId,
      startedAt,
      lastHeartbeatAt: now,
      ttl: this.ttlSeconds,
      ...(body.version === undefined ? {} : { version: body.version }),
    };
    await this.options.store.upsert("factories", doc);
    this.lastSeen.set(key, { pool: principal.pool, productId, factoryId: principal.factoryId, at: now, startedAt, health: body.health });
    return { ok: true, at: now };
  }

  /** Forgets a factory (a clean exit). Returns false when there was nothing to forget. */
  async deregister(productId: string, factoryId: string): Promise<boolean> {
    const product = productOf(productId);
    const known = this.lastSeen.delete(keyOf(product, factoryId));
    try {
      await this.options.store.delete("factories", factoryId, product);
      return true;
    } catch (error) {
      if (isStoreError(error, "not_found")) return known;
      throw error;
    }
  }

  /** The jobs whose lease `factoryId` holds. */
  currentJobs(productId: string, factoryId: string): string[] {
    return [...(this.jobsOf.get(keyOf(productOf(productId), factoryId)) ?? [])].sort();
  }

  /** Factories from the store (every replica's heartbeats), newest heartbeat first. */
  async list(productScope: string | undefined, query: ListFactoriesQuery): Promise<FactoryList> {
    const now = this.options.clock.now();
    const cutoff = now - this.options.staleAfterMs;
    const where: StoreFilter[] = [];
    if (query.pool !== undefined) where.push({ field: "pool", op: "=", value: query.pool });
    if (query.status === "live") where.push({ field: "lastHeartbeatAt", op: ">=", value: cutoff });
    if (query.status === "stale") where.push({ field: "lastHeartbeatAt", op: "<", value: cutoff });
    const page = await this.options.store.query("factories", {
      where,
      orderBy: { field: "lastHeartbeatAt", direction: "desc" },
      limit: query.limit,
      ...(productScope === undefined ? {} : { partitionKey: productScope }),
      ...(query.continuation === undefined ? {} : { continuation: query.continuation }),
    });
    const items = page.items.map(({ doc }): FactoryView => ({
      id: doc.id,
      pool: doc.pool,
      productId: doc.productId,
      version: doc.version ?? null,
      seats: doc.seats,
      load: doc.load,
      health: doc.health,
      status: doc.lastHeartbeatAt >= cutoff ? "live" : "stale",
      lastHeartbeatAt: iso(doc.lastHeartbeatAt),
      startedAt: iso(doc.startedAt),
      currentJobs: this.currentJobs(doc.productId, doc.id),
      credential: doc.credentialId?.startsWith("factory:") === true ? "enrolled" : "pool-token",
    }));
    return { items, ...(page.continuation === undefined ? {} : { continuation: page.continuation }), staleAfterSeconds: this.options.staleAfterMs / 1000 };
  }

  /** Factories per pool heard from within the stale threshold. */
  liveByPool(): Map<string, number> {
    const live = new Map<string, number>();
    for (const [pool, health] of this.healthByPool()) live.set(pool, health.live);
    return live;
  }

  /**
   * Per pool: down when every live factory says it is down, degraded when some live factory is
   * degraded or down or a silent one still holds leases (its work will only come back through
   * lease expiry), ok otherwise. Pools no factory has reported from are absent.
   */
  healthByPool(): Map<string, PoolFactoryHealth> {
    const now = this.options.clock.now();
    const pools = new Map<string, PoolFactoryHealth & { silentWithWork: number }>();
    for (const [key, seen] of this.lastSeen) {
      // Kept while its document lives, so a pool's stale factories are counted too.
      if (now - seen.at > this.ttlSeconds * 1000) {
        this.lastSeen.delete(key);
        continue;
      }
      const pool = pools.get(seen.pool) ?? { live: 0, stale: 0, ok: 0, degraded: 0, down: 0, health: "ok", silentWithWork: 0 };
      if (now - seen.at > this.options.staleAfterMs) {
        pool.stale++;
        if ((this.jobsOf.get(key)?.size ?? 0) > 0) pool.silentWithWork++;
      } else {
        pool.live++;
        pool[seen.health]++;
      }
      pools.set(seen.pool, pool);
    }
    const result = new Map<string, PoolFactoryHealth>();
    for (const [name, { silentWithWork, ...pool }] of pools) {
      if (pool.live > 0 && pool.down === pool.live) result.set(name, { ...pool, health: "down", reason: `all ${pool.live} live factories report down` });
      else if (pool.degraded + pool.down > 0) result.set(name, { ...pool, health: "degraded", reason: `${pool.degraded + pool.down} of ${pool.live} live factories report degraded or down` });
      else if (silentWithWork > 0) result.set(name, { ...pool, health: "degraded", reason: `${silentWithWork} silent factories still hold leases` });
      else result.set(name, pool);
    }
    return result;
  }
}

function keyOf(productId: string, factoryId: string): string {
  return `${productId}\u0000${factoryId}`;
}

/** In-process callers (the simulator) use "*"; their documents live under the fleet's product. */
function productOf(productId: string): string {
  return productId === "*" ? FLEET_PRODUCT_ID : productId;
}
