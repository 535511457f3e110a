import type { JobDoc } from "../../contracts/index.js";
import type { BrokerPort, BrokerReceiver, ReceiverAddress } from "../../broker/port.js";
import { nextOccurrence } from "../../coordinator/scheduler/cron-expression.js";
import { assignmentMessageOf, outboxEntryOf } from "../../dispatcher/outbox-entry.js";
import type { Collection, DocOf, QueryPage, StoreCountQuery, StorePort, StoreQuery, StoreStats } from "../../store/port.js";
import type { PlantedBug } from "./planted-bugs.js";

/** The bugs that strike when a restarted coordinator reads its state back from the store. */
const REBUILD_BUGS: ReadonlySet<PlantedBug> = new Set<PlantedBug>([
  "forget-epochs",
  "rebuild-running-as-queued",
  "forget-pauses-on-restart",
  "forget-spend-on-restart",
  "forget-not-before-on-restart",
  "schedule-skips-after-restart",
]);

/**
 * The store as a buggy coordinator sees it, for the planted bugs that live on the coordinator's
 * side: after a restart its rebuild reads queued jobs at epoch 0 ("forget-epochs"), running jobs
 * as queued ("rebuild-running-as-queued"), products and pools as never paused
 * ("forget-pauses-on-restart"), jobs without their recorded spend ("forget-spend-on-restart") or
 * without their notBefore ("forget-not-before-on-restart"), or each schedule one occurrence further
 * on ("schedule-skips-after-restart"); or it publishes an assignment before the write that commits
 * it ("publish-before-commit"), or requeues a preempted job without the checkpoint its victim
 * handed back ("preemption-drops-checkpoint"). Without one of those bugs it is the store.
 */
export class PlantedBugStore implements StorePort {
  constructor(
    private readonly inner: StorePort,
    private readonly bug: PlantedBug | undefined,
    /** How many times the coordinator has booted (the rebuild bugs strike on a restart). */
    private readonly boots: () => number,
    private readonly broker: BrokerPort,
    private readonly topic: string,
    private readonly now: () => number,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }
  get<C extends Collection>(collection: C, id: string, partitionKey: string) {
    return this.inner.get(collection, id, partitionKey);
  }
  create<C extends Collection>(collection: C, doc: DocOf<C>) {
    return this.inner.create(collection, doc);
  }
  async replace<C extends Collection>(collection: C, doc: DocOf<C>, ifMatch: string) {
    const entry = this.bug === "publish-before-commit" && isJob(doc) ? outboxEntryOf(doc) : undefined;
    if (entry !== undefined) await this.broker.publish(this.topic, [assignmentMessageOf(entry, this.now())]).catch(() => undefined);
    if (this.bug === "preemption-drops-checkpoint" && isJob(doc) && doc.stage === "queued" && doc.events.at(-1)?.type === "preempted" && doc.checkpoint !== undefined) {
      const { checkpoint: _dropped, ...withoutCheckpoint } = doc;
      return this.inner.replace(collection, withoutCheckpoint as DocOf<C>, ifMatch);
    }
    return this.inner.replace(collection, doc, ifMatch);
  }
  upsert<C extends Collection>(collection: C, doc: DocOf<C>) {
    return this.inner.upsert(collection, doc);
  }
  delete(collection: Collection, id: string, partitionKey: string) {
    return this.inner.delete(collection, id, partitionKey);
  }
  count(collection: Collection, query: StoreCountQuery): Promise<number> {
    return this.inner.count(collection, query);
  }

  async query<C extends Collection>(collection: C, query: StoreQuery): Promise<QueryPage<DocOf<C>>> {
    const page = await this.inner.query(collection, query);
    if (this.boots() <= 1 || this.bug === undefined || !REBUILD_BUGS.has(this.bug)) return page;
    return { ...page, items: page.items.map((item) => ({ ...item, doc: this.misread(item.doc) })) };
  }
  stats(): StoreStats {
    return this.inner.stats();
  }
  close() {
    return this.inner.close();
  }

  private misread<D extends DocOf<Collection>>(doc: D): D {
    const copy = structuredClone(doc) as DocOf<Collection>;
    if (this.bug === "forget-pauses-on-restart" && "pause" in copy && copy.pause !== undefined) {
      delete copy.pause;
      if ("paused" in copy && typeof copy.paused === "boolean" && "health" in copy) copy.paused = false;
    }
    if (this.bug === "schedule-skips-after-restart" && "cron" in copy && copy.nextRunAt !== undefined) {
      const following = nextOccurrence(copy.cron, copy.timeZone, copy.nextRunAt);
      if (following === undefined) delete copy.nextRunAt;
      else copy.nextRunAt = following;
    }
    if (!isJob(copy)) return copy as D;
    if (this.bug === "forget-spend-on-restart") delete copy.spend;
    if (this.bug === "forget-not-before-on-restart" && copy.stage === "queued") delete copy.notBefore;
    if (this.bug === "forget-epochs" && copy.stage === "queued") copy.leaseEpoch = 0;
    if (this.bug === "rebuild-running-as-queued" && (copy.stage === "building" || copy.stage === "review" || copy.stage === "testing")) {
      copy.stage = "queued";
      delete copy.lease;
      delete copy.outbox;
      delete copy.notBefore;
    }
    return copy as D;
  }
}

/** Planted bug "monitor-reads-live-queue": the monitor's receivers open the live subscription
 * instead of its dead-letter sub-queue, so it "reconciles" live assignments into dead letters. */
export function liveQueueBroker(broker: BrokerPort): BrokerPort {
  return {
    ensureTopology: (topology) => broker.ensureTopology(topology),
    publish: (topic, messages) => broker.publish(topic, messages),
    openReceiver: (address: ReceiverAddress): BrokerReceiver => broker.openReceiver({ topic: address.topic, subscription: address.subscription }),
    counts: (topic, subscription) => broker.counts(topic, subscription),
    close: () => broker.close(),
  };
}

function isJob(doc: DocOf<Collection>): doc is JobDoc {
  return "leaseEpoch" in doc && "idempotencyKey" in doc;
}
