import type { Container, CosmosDiagnostics, ItemDefinition, JSONObject, OperationInput, OperationResponse } from "@azure/cosmos";
import { StoreError } from "../port.js";
import { translateCosmosError } from "./translate-cosmos-error.js";

/** One document write as the adapter issues it: the SDK's bulk operation plus what names it. */
export interface WriteRequest {
  operation: OperationInput;
  /** `collection/id`, for error messages. */
  what: string;
  /** The length of the document as the SDK sent it, when a point call reports it (the request
   * body of a point write is the document's JSON); a bulk call's body holds many. */
  sentLength?: number;
}

export interface BulkWriterOptions {
  /** Operations per bulk call (Cosmos DB takes at most 100 per partition key range). */
  maxOperations: number;
  /** Requests in flight per container; writes issued beyond it wait and go in the next bulk call. */
  maxInFlight: number;
  /** The write as a point call (a lone write, with nothing to group it with). Throws SDK errors. */
  point(container: Container, request: WriteRequest): Promise<ItemDefinition | undefined>;
  /** Called with every bulk response: the charge the server reported and the SDK's diagnostics. */
  answered(response: { requestCharge: number; diagnostics?: CosmosDiagnostics }): void;
  /** Called for each throttled operation that is sent again. */
  retriedThrottle(): void;
}

export interface BulkWriterStats {
  /** Writes sent as point calls. */
  pointWrites: number;
  /** Bulk calls made, and the operations they carried (each retried 429 counted again). */
  bulkCalls: number;
  bulkOperations: number;
}

interface Pending {
  request: WriteRequest;
  resolve(resource: ItemDefinition | undefined): void;
  reject(error: unknown): void;
}

interface Lane {
  queue: Pending[];
  inFlight: number;
  flushScheduled: boolean;
}

/** Status codes of a bulk operation that mean it was applied. */
const APPLIED = new Set([200, 201, 204]);
/** How long a container's partition key range count is trusted before it is read again. */
const RANGES_TTL_MS = 60_000;

/**
 * Groups the writes issued together into `container.items.bulk` calls, one lane per container.
 *
 * A write with nothing queued or in flight on its container goes at once as a point call: no
 * added delay. A write issued while others are in flight (or in the same turn of the event loop)
 * waits in the lane; the lane sends what waits as one bulk call (up to `maxOperations`) as soon as
 * it has a free request slot, at the end of the current turn. So under load the writes of one
 * scheduling pass travel in a few requests instead of one round trip each.
 *
 * Each operation keeps its own precondition (`ifMatch`) and gets its own outcome, translated as a
 * point write's would be (412 conflict, 409 already_exists, 404 not_found). A 429 on one operation,
 * or on a whole bulk request refused before anything was applied, sends those writes again as
 * point calls, which the SDK retries after the server's retry-after within the point writes'
 * bounds, and only then fail with throttled. Any other failure of a bulk call as a whole (timeout,
 * connection lost) may have applied any of its operations: each fails with StoreError("timeout"),
 * the port's "outcome unknown".
 */
export class BulkWriter {
  private readonly lanes = new Map<Container, Lane>();
  private readonly ranges = new Map<Container, { count: number; at: number }>();
  private readonly counters: BulkWriterStats = { pointWrites: 0, bulkCalls: 0, bulkOperations: 0 };

  constructor(private readonly options: BulkWriterOptions) {
    if (!Number.isInteger(options.maxOperations) || options.maxOperations < 1 || options.maxOperations > 100) {
      throw new Error(`bulk maxOperations must be an integer from 1 to 100 (Cosmos DB's limit per call), got ${options.maxOperations}`);
    }
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) {
      throw new Error(`bulk maxInFlight must be a positive integer, got ${options.maxInFlight}`);
    }
  }

  write(container: Container, request: WriteRequest): Promise<ItemDefinition | undefined> {
    const lane = this.laneOf(container);
    if (lane.inFlight === 0 && lane.queue.length === 0) {
      this.counters.pointWrites++;
      lane.inFlight++;
      return this.options.point(container, request).finally(() => this.released(container, lane));
    }
    return new Promise((resolve, reject) => {
      lane.queue.push({ request, resolve, reject });
      this.scheduleFlush(container, lane);
    });
  }

  stats(): BulkWriterStats {
    return { ...this.counters };
  }

  private laneOf(container: Container): Lane {
    let lane = this.lanes.get(container);
    if (lane === undefined) {
      lane = { queue: [], inFlight: 0, flushScheduled: false };
      this.lanes.set(container, lane);
    }
    return lane;
  }

  /** At the end of this turn, so every write issued in it joins the same call. */
  private scheduleFlush(container: Container, lane: Lane): void {
    if (lane.flushScheduled || lane.inFlight >= this.options.maxInFlight) return;
    lane.flushScheduled = true;
    setImmediate(() => {
      lane.flushScheduled = false;
      this.flush(container, lane);
    });
  }

  private released(container: Container, lane: Lane): void {
    lane.inFlight--;
    if (lane.queue.length > 0) this.scheduleFlush(container, lane);
  }

  private flush(container: Container, lane: Lane): void {
    while (lane.queue.length > 0 && lane.inFlight < this.options.maxInFlight) {
      const group = lane.queue.splice(0, this.options.maxOperations);
      lane.inFlight++;
      const sent = group.length === 1 ? this.sendPoint(container, group[0]!) : this.sendBulk(container, group);
      void sent.finally(() => this.released(container, lane));
    }
  }

  private async sendPoint(container: Container, pending: Pending): Promise<void> {
    this.counters.pointWrites++;
    try {
      pending.resolve(await this.options.point(container, pending.request));
    } catch (error) {
      pending.reject(error);
    }
  }

  private async sendBulk(container: Container, group: Pending[]): Promise<void> {
    this.counters.bulkCalls++;
    this.counters.bulkOperations += group.length;
    let responses: OperationResponse[] & { diagnostics?: CosmosDiagnostics };
    try {
      responses = await container.items.bulk(
        group.map((pending) => pending.request.operation),
        { continueOnError: true },
      );
    } catch (error) {
      if (await this.refusedWhole(container, error)) {
        // Throttled before anything was applied: each write goes again alone, where the SDK
        // waits the server's retry-after within the point writes' bounds.
        this.options.retriedThrottle();
        await Promise.all(group.map((pending) => this.sendPoint(container, pending)));
        return;
      }
      for (const pending of group) {
        pending.reject(new StoreError("timeout", `${pending.request.what}: the bulk call carrying it failed, so the outcome is unknown (${describe(error)})`, { cause: error }));
      }
      return;
    }
    let charge = 0;
    for (const response of responses) charge += response?.requestCharge ?? 0;
    this.options.answered({ requestCharge: charge, ...(responses.diagnostics === undefined ? {} : { diagnostics: responses.diagnostics }) });
    const throttled: Pending[] = [];
    group.forEach((pending, index) => {
      const response = responses[index];
      if (response?.statusCode === 429) throttled.push(pending);
      else this.settle(pending, response);
    });
    for (const _ of throttled) this.options.retriedThrottle();
    // A 429 on one operation (Cosmos DB throttles per partition): that write goes again alone.
    await Promise.all(throttled.map((pending) => this.sendPoint(container, pending)));
  }

  private settle(pending: Pending, response: OperationResponse | undefined): void {
    const what = pending.request.what;
    if (response === undefined) {
      pending.reject(new StoreError("timeout", `${what}: the bulk response had no result for it, so the outcome is unknown`));
      return;
    }
    if (APPLIED.has(response.statusCode)) {
      pending.resolve(response.resourceBody as ItemDefinition | undefined);
      return;
    }
    pending.reject(translateCosmosError({ code: response.statusCode, message: messageOf(response) }, what, "write"));
  }

  /**
   * Whether a bulk call that failed as a whole was refused with 429 before anything was applied.
   * The SDK does not retry a bulk request's 429 and wraps the error without its status; its
   * diagnostics name each request's status. Only a container of one partition key range is sure:
   * with several, the SDK sends one request per range and fails on the first failure, so another
   * range's request may have been applied.
   */
  private async refusedWhole(container: Container, error: unknown): Promise<boolean> {
    const gateway = (error as { diagnostics?: CosmosDiagnostics } | undefined)?.diagnostics?.clientSideRequestStatistics?.gatewayStatistics ?? [];
    const batches = gateway.filter((entry) => entry.operationType === "batch");
    if (batches.length === 0 || !batches.every((entry) => entry.statusCode === 429)) return false;
    try {
      return (await this.rangeCountOf(container)) === 1;
    } catch {
      return false;
    }
  }

  private async rangeCountOf(container: Container): Promise<number> {
    const cached = this.ranges.get(container);
    if (cached !== undefined && Date.now() - cached.at < RANGES_TTL_MS) return cached.count;
    const count = (await container.readPartitionKeyRanges().fetchAll()).resources.length;
    this.ranges.set(container, { count, at: Date.now() });
    return count;
  }
}

function messageOf(response: OperationResponse): string {
  const body = response.resourceBody as JSONObject | undefined;
  const message = body?.message;
  return typeof message === "string" && message !== "" ? message : `bulk operation answered ${response.statusCode}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
