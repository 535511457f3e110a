import { FLEET_PRODUCT_ID, FleetError, type PoolDoc, type PoolPause, poolDocId } from "../../contracts/index.js";
import { isStoreError, type StorePort, type Stored } from "../../store/port.js";
import type { PoolRegistry } from "../pools/pool-registry.js";

/**
 * Operators' pauses and drains of pools, persisted in the `pools` container (one document per
 * pool, written by the coordinator only) and applied to the pool registry, where the scheduler
 * reads them from memory.
 */
export class PoolControls {
  private readonly docs = new Map<string, Stored<PoolDoc>>();

  constructor(
    private readonly store: StorePort,
    private readonly pools: PoolRegistry,
  ) {}

  async load(): Promise<void> {
    let continuation: string | undefined;
    do {
      const page = await this.store.query("pools", { partitionKey: FLEET_PRODUCT_ID, limit: 1000, ...(continuation === undefined ? {} : { continuation }) });
      for (const item of page.items) {
        this.docs.set(item.doc.name, item);
        this.pools.setPause(item.doc.name, item.doc.paused ? (item.doc.pause ?? { reason: "paused", by: "unknown", at: item.doc.updatedAt, drain: false }) : undefined);
      }
      continuation = page.continuation;
    } while (continuation !== undefined);
  }

  /** Records the pause (undefined: resume) with one conditional write, then applies it. */
  async set(name: string, pause: PoolPause | undefined, now: number): Promise<void> {
    if (this.pools.get(name) === undefined) {
      throw new FleetError("NOT_FOUND", `pool '${name}' is not in the topology; pools are: ${this.pools.all().map((p) => p.definition.name).join(", ")}`);
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = this.docs.get(name);
      const next: PoolDoc = { id: poolDocId(name), productId: FLEET_PRODUCT_ID, name, health: current?.doc.health ?? "ok", paused: pause !== undefined, updatedAt: now };
      if (pause !== undefined) next.pause = pause;
      try {
        const stored = current === undefined ? await this.store.create("pools", next) : await this.store.replace("pools", next, current.etag);
        this.docs.set(name, stored);
        this.pools.setPause(name, pause);
        return;
      } catch (error) {
        if (!isStoreError(error, "conflict") && !isStoreError(error, "already_exists") && !isStoreError(error, "timeout")) throw error;
        const fresh = await this.store.get("pools", poolDocId(name), FLEET_PRODUCT_ID);
        if (fresh === undefined) this.docs.delete(name);
        else this.docs.set(name, fresh);
        if (isStoreError(error, "timeout") && fresh?.doc.updatedAt === now && fresh.doc.paused === (pause !== undefined)) {
          this.pools.setPause(name, pause);
          return;
        }
      }
    }
    throw new FleetError("STORE_UNAVAILABLE", `pool '${name}' kept changing while it was written; retry`);
  }
}
