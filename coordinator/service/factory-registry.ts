import { FLEET_PRODUCT_ID, type Clock, type FactoryDoc, type HeartbeatBody } from "../../contracts/index.js";
import type { StorePort } from "../../store/port.js";
import type { FactoryPrincipal } from "../auth/principal.js";

export interface FactoryRegistryOptions {
  store: StorePort;
  clock: Clock;
  /** Capabilities a factory has when its heartbeat does not list them: its pool's. */
  poolCapabilities: (pool: string) => readonly string[];
  /** A factory silent for longer than this no longer counts as a live replica. */
  staleAfterMs: number;
}

/**
 * The factories the coordinator has heard from: each heartbeat upserts the factory's document
 * (single writer: the factory itself) and refreshes an in-memory last-seen time, from which live
 * replicas per pool are counted without a store read.
 */
export class FactoryRegistry {
  private readonly lastSeen = new Map<string, { pool: string; at: number; startedAt: number }>();

  constructor(private readonly options: FactoryRegistryOptions) {}

  async heartbeat(principal: FactoryPrincipal, body: HeartbeatBody): Promise<{ ok: true; at: number }> {
    const now = this.options.clock.now();
    const productId = principal.productId === "*" ? FLEET_PRODUCT_ID : principal.productId;
    const known = this.lastSeen.get(principal.factoryId);
    const startedAt = known?.startedAt ?? (await this.options.store.get("factories", principal.factoryId, productId))?.doc.startedAt ?? now;
    const doc: FactoryDoc = {
      id: principal.factoryId,
      productId,
      pool: principal.pool,
      capabilities: [...(body.capabilities ?? this.options.poolCapabilities(principal.pool))],
      seats: body.seats,
      load: body.load,
      health: body.health,
      startedAt,
      lastHeartbeatAt: now,
      ...(body.version === undefined ? {} : { version: body.version }),
    };
    await this.options.store.upsert("factories", doc);
    this.lastSeen.set(principal.factoryId, { pool: principal.pool, at: now, startedAt });
    return { ok: true, at: now };
  }

  /** Factories per pool heard from within the stale threshold. */
  liveByPool(): Map<string, number> {
    const now = this.options.clock.now();
    const live = new Map<string, number>();
    for (const [id, seen] of this.lastSeen) {
      if (now - seen.at > this.options.staleAfterMs) {
        this.lastSeen.delete(id);
        continue;
      }
      live.set(seen.pool, (live.get(seen.pool) ?? 0) + 1);
    }
    return live;
  }
}
