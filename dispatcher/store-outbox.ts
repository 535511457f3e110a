import { FLEET_PRODUCT_ID } from "../contracts/index.js";
import type { StorePort } from "../store/port.js";
import { outboxEntryOf, type OutboxEntry } from "./outbox-entry.js";
import type { OutboxSource, WatermarkStore } from "./outbox-relay.js";

/** The relay's view of the store: assigned jobs since the watermark (one query at start).
 * `isCurrent` answers from the coordinator's memory whether an epoch still awaits its accept. */
export function storeOutboxSource(store: StorePort, isCurrent: (jobId: string, epoch: number) => boolean): OutboxSource {
  return {
    async pendingSince(watermark) {
      const entries: OutboxEntry[] = [];
      let continuation: string | undefined;
      do {
        const page = await store.query("jobs", {
          where: [
            { field: "stage", op: "=", value: "assigned" },
            { field: "outbox.at", op: ">=", value: watermark },
          ],
          limit: 500,
          ...(continuation === undefined ? {} : { continuation }),
        });
        for (const item of page.items) {
          const entry = outboxEntryOf(item.doc);
          if (entry !== undefined) entries.push(entry);
        }
        continuation = page.continuation;
      } while (continuation !== undefined);
      return entries;
    },
    isCurrent,
  };
}

/** The relay's progress as one small document, written at most once per watermark interval. */
export function storeRelayWatermark(store: StorePort, topic: string, now: () => number): WatermarkStore {
  const id = `relay.${topic}`;
  return {
    async load() {
      const stored = await store.get("checkpoints", id, id);
      const watermark = stored?.doc.data.watermark;
      return typeof watermark === "number" ? watermark : undefined;
    },
    async save(watermark) {
      await store.upsert("checkpoints", { id, productId: FLEET_PRODUCT_ID, data: { watermark }, updatedAt: now() });
    },
  };
}
