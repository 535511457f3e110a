import type { BrokerPort, BrokerReceiver, BrokerTopology, OutgoingMessage, ReceivedMessage, ReceiverAddress, ReceiverOptions, SubscriptionCounts } from "./port.js";

export interface QuietCountsOptions {
  now: () => number;
  /** How long counts read while messages wait are served from the cache (default 5 s). */
  ttlMs?: number;
}

/** Counts read while messages wait are served this long, however often they are asked for. */
export const COUNTS_TTL_MS = 5000;

/**
 * A broker whose subscription counts cost nothing while nothing happens. Counts are read from the
 * broker at most every `ttlMs` per subscription, and not at all while they cannot have changed: a
 * subscription last read with no active and no scheduled message can gain a message only from a
 * publish to its topic, and can lose a dead letter only by a settlement, and this process sees
 * both (they go through this broker). So with the coordinator as the topic's only publisher and
 * the dead-letter monitor as its DLQs' only reader, an idle fleet reads no counts at all. (A
 * message published by another tool is counted from the next publish or settlement here on.)
 */
export class QuietCountsBroker implements BrokerPort {
  private readonly cache = new Map<string, { at: number; generation: number; counts: SubscriptionCounts }>();
  private readonly generations = new Map<string, number>();
  private readonly ttlMs: number;
  private reads = 0;

  constructor(
    private readonly inner: BrokerPort,
    private readonly options: QuietCountsOptions,
  ) {
    this.ttlMs = options.ttlMs ?? COUNTS_TTL_MS;
  }

  /** Counts read from the broker so far (the cache's misses). */
  countReads(): number {
    return this.reads;
  }

  /** True when every listed subscription was last read empty (no active, no scheduled message)
   * and nothing was published to the topic or settled on it since: no message can be there. */
  isQuiet(topic: string, subscriptions: readonly string[]): boolean {
    const generation = this.generationOf(topic);
    return subscriptions.every((subscription) => {
      const cached = this.cache.get(keyOf(topic, subscription));
      return cached !== undefined && cached.generation === generation && isEmpty(cached.counts);
    });
  }

  ensureTopology(topology: BrokerTopology): Promise<void> {
    return this.inner.ensureTopology(topology).finally(() => this.touch(topology.topic));
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    try {
      await this.inner.publish(topic, messages);
    } finally {
      // Even a failed publish may have gone through in part.
      if (messages.length > 0) this.touch(topic);
    }
  }

  openReceiver(address: ReceiverAddress, options?: ReceiverOptions): BrokerReceiver {
    const receiver = this.inner.openReceiver(address, options);
    const settled = <T>(action: Promise<T>): Promise<T> => action.finally(() => this.touch(address.topic));
    return {
      receive: (max, maxWaitMs) => receiver.receive(max, maxWaitMs),
      complete: (message: ReceivedMessage) => settled(receiver.complete(message)),
      abandon: (message: ReceivedMessage) => settled(receiver.abandon(message)),
      deadLetter: (message: ReceivedMessage, reason: string, description?: string) => settled(receiver.deadLetter(message, reason, description)),
      renewLock: (message: ReceivedMessage) => receiver.renewLock(message),
      close: () => receiver.close(),
    };
  }

  async counts(topic: string, subscription: string): Promise<SubscriptionCounts> {
    const key = keyOf(topic, subscription);
    const generation = this.generationOf(topic);
    const cached = this.cache.get(key);
    const now = this.options.now();
    if (cached !== undefined && cached.generation === generation && (isEmpty(cached.counts) || now - cached.at < this.ttlMs)) return { ...cached.counts };
    this.reads++;
    const counts = await this.inner.counts(topic, subscription);
    // Only a read that began after the last activity may vouch for the present.
    if (this.generationOf(topic) === generation) this.cache.set(key, { at: now, generation, counts });
    return { ...counts };
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private generationOf(topic: string): number {
    return this.generations.get(topic) ?? 0;
  }

  private touch(topic: string): void {
    this.generations.set(topic, this.generationOf(topic) + 1);
  }
}

function keyOf(topic: string, subscription: string): string {
  return `${topic}\u0000${subscription}`;
}

function isEmpty(counts: SubscriptionCounts): boolean {
  return counts.active === 0 && counts.scheduled === 0;
}
