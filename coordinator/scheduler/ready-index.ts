import type { JobDoc, Priority } from "../../contracts/index.js";
import { BinaryHeap } from "./binary-heap.js";

interface Entry {
  id: string;
  queuedAt: number;
  token: number;
}

/** Jobs that share everything the score depends on except age. Within a bucket the oldest job
 * always scores highest (the scorer is monotone in age), so each bucket is a FIFO heap and only its
 * head competes. */
export interface ReadyBucket {
  readonly key: string;
  readonly productId: string;
  readonly priority: Priority;
  readonly retries: number;
  readonly capabilities: readonly string[];
  readonly capabilityKey: string;
  readonly heap: BinaryHeap<Entry>;
  /** Live jobs in the bucket (the heap also holds lazily deleted entries). */
  live: number;
}

/**
 * The in-memory index of ready jobs (queued, dependencies met, not backing off). Rebuilt from the
 * store at start; never scanned per assignment. Selection cost grows with the number of buckets
 * (products x priorities x retry counts x capability sets), not with the queue length.
 */
export class ReadyIndex {
  private readonly buckets = new Map<string, ReadyBucket>();
  private readonly nonEmpty = new Set<ReadyBucket>();
  private readonly position = new Map<string, { bucket: ReadyBucket; token: number }>();
  private nextToken = 0;
  /** Live ready jobs per capability set, kept exact on every add and remove (for gauges). */
  private readonly perCapabilities = new Map<string, { capabilities: readonly string[]; count: number }>();

  get size(): number {
    return this.position.size;
  }

  has(id: string): boolean {
    return this.position.has(id);
  }

  add(job: JobDoc): void {
    this.remove(job.id);
    const capabilityKey = job.capabilities.join(",");
    const key = `${job.productId}|${job.priority}|${job.retries}|${capabilityKey}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = {
        key,
        productId: job.productId,
        priority: job.priority,
        retries: job.retries,
        capabilities: job.capabilities,
        capabilityKey,
        heap: new BinaryHeap<Entry>((a, b) => a.queuedAt < b.queuedAt || (a.queuedAt === b.queuedAt && a.token < b.token)),
        live: 0,
      };
      this.buckets.set(key, bucket);
    }
    const token = this.nextToken++;
    bucket.heap.push({ id: job.id, queuedAt: job.queuedAt, token });
    this.position.set(job.id, { bucket, token });
    bucket.live++;
    this.nonEmpty.add(bucket);
    const tally = this.perCapabilities.get(capabilityKey);
    if (tally === undefined) this.perCapabilities.set(capabilityKey, { capabilities: job.capabilities, count: 1 });
    else tally.count++;
  }

  remove(id: string): void {
    const at = this.position.get(id);
    if (at === undefined) return;
    this.position.delete(id);
    at.bucket.live--;
    const tally = this.perCapabilities.get(at.bucket.capabilityKey);
    if (tally !== undefined && --tally.count === 0) this.perCapabilities.delete(at.bucket.capabilityKey);
  }

  /** Ready jobs per capability set. */
  capabilitySets(): IterableIterator<{ capabilityKey: string; capabilities: readonly string[]; count: number }> {
    const entries = this.perCapabilities.entries();
    return (function* () {
      for (const [capabilityKey, tally] of entries) yield { capabilityKey, capabilities: tally.capabilities, count: tally.count };
    })();
  }

  /** The oldest live job id of each non-empty bucket. */
  *heads(): Generator<{ bucket: ReadyBucket; id: string }> {
    for (const bucket of this.nonEmpty) {
      const id = this.headOf(bucket);
      if (id === undefined) {
        this.nonEmpty.delete(bucket);
        this.buckets.delete(bucket.key);
        continue;
      }
      yield { bucket, id };
    }
  }

  private headOf(bucket: ReadyBucket): string | undefined {
    for (;;) {
      const top = bucket.heap.peek();
      if (top === undefined) return undefined;
      const at = this.position.get(top.id);
      if (at !== undefined && at.bucket === bucket && at.token === top.token) return top.id;
      bucket.heap.pop();
    }
  }
}
