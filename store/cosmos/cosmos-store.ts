import { type Container, type CosmosDiagnostics, CosmosClient, type ItemDefinition, type JSONObject, type OperationInput } from "@azure/cosmos";
import { createDefaultHttpClient, type HttpClient } from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/identity";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { EstimatedRu, jsonLengthOf } from "../estimated-ru.js";
import {
  type Collection,
  type DocOf,
  emptyStoreStats,
  PARTITION_KEYS,
  partitionKeyOf,
  type QueryPage,
  type StoreCountQuery,
  type StoreFilter,
  StoreError,
  type StorePort,
  type StoreQuery,
  type StoreStats,
  type Stored,
} from "../port.js";
import { BulkWriter, type BulkWriterStats, type WriteRequest } from "./bulk-writer.js";
import { compileCount, compileQuery } from "./compile-query.js";
import { CONTAINER_DEFINITIONS } from "./container-definitions.js";
import { type CallKind, translateCosmosError } from "./translate-cosmos-error.js";

export interface CosmosStoreOptions {
  endpoint: string;
  database: string;
  /** Account key (also the local peer's); omit it and give `credential` for managed identity. */
  key?: string;
  credential?: TokenCredential;
  /** The local protocol peer: plain HTTP and no endpoint discovery (it has no regions to discover). */
  local?: boolean;
  /** Per HTTP request; a request that outlives it fails with StoreError("timeout"). Default 10 s. */
  requestTimeoutMs?: number;
  /** How long the SDK keeps retrying 429s, each after the server's retry-after. Default 9 tries, 30 s. */
  throttleRetries?: { maxAttempts: number; maxWaitSeconds: number };
  /** Connections kept open to the endpoint (HTTP keep-alive); requests beyond it queue. Default 32. */
  maxSockets?: number;
  /** Writes issued together go as bulk calls (store/cosmos/bulk-writer.ts): at most `maxOperations`
   * per call (default 100) and `maxInFlight` requests per container (default 4). */
  bulk?: { maxOperations?: number; maxInFlight?: number };
}

/** Properties Cosmos DB adds to every document; never part of a domain document. */
const SYSTEM_PROPERTIES = new Set(["_rid", "_self", "_ts", "_attachments", "_etag", "_lsn"]);

/**
 * The store port on Azure Cosmos DB (@azure/cosmos), also run against the local protocol peer.
 *
 * Etag compare-and-swap is `replace` with an IfMatch access condition. Writes issued together
 * (a scheduling pass) are grouped into bulk calls, each operation with its own precondition and
 * its own outcome (store/cosmos/bulk-writer.ts); a lone write is a point call. Throttling is left to the
 * SDK's retry policy, configured on purpose: `fixedRetryIntervalInMilliseconds: 0` makes it wait
 * the server's retry-after on each 429, bounded by attempts and total wait; only a 429 that
 * outlives it surfaces, as StoreError("throttled"). Every SDK failure goes through
 * translateCosmosError. Costs are counted by the shared EstimatedRu model (the local peer reports
 * no real charge); the SDK-reported charge is kept apart in `reportedRequestCharge()`.
 */
export class CosmosStore implements StorePort {
  private readonly client: CosmosClient;
  private readonly agent: HttpAgent;
  private readonly writer: BulkWriter;
  private readonly containers = new Map<Collection, Container>();
  private readonly counters: StoreStats = emptyStoreStats();
  private reportedRu = 0;

  constructor(private readonly options: CosmosStoreOptions) {
    const auth =
      options.key !== undefined ? { key: options.key } : options.credential !== undefined ? { aadCredentials: options.credential } : undefined;
    if (auth === undefined) throw new Error("CosmosStore needs an account key or a token credential (managed identity)");
    const retries = options.throttleRetries ?? { maxAttempts: 9, maxWaitSeconds: 30 };
    // One pool of kept-alive connections per store: no call pays a TCP (or TLS) handshake, and
    // the pool is bounded so a burst queues on open sockets instead of opening hundreds.
    const maxSockets = options.maxSockets ?? 32;
    if (!Number.isInteger(maxSockets) || maxSockets < 1) throw new Error(`CosmosStore maxSockets must be a positive integer, got ${maxSockets}`);
    const agentOptions = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: "lifo" as const };
    const plainHttp = endpointProtocol(options.endpoint) === "http:";
    this.agent = plainHttp ? new HttpAgent(agentOptions) : new HttpsAgent(agentOptions);
    this.client = new CosmosClient({
      endpoint: options.endpoint,
      ...auth,
      agent: this.agent,
      // The SDK allows plain HTTP only on its own default agent; with ours the HTTP client says so.
      ...(plainHttp ? { httpClient: insecureAllowed(createDefaultHttpClient()) } : {}),
      connectionPolicy: {
        enableEndpointDiscovery: options.local !== true,
        requestTimeout: options.requestTimeoutMs ?? 10_000,
        retryOptions: {
          maxRetryAttemptCount: retries.maxAttempts,
          fixedRetryIntervalInMilliseconds: 0,
          maxWaitTimeInSeconds: retries.maxWaitSeconds,
        },
      },
    });
    this.writer = new BulkWriter({
      maxOperations: options.bulk?.maxOperations ?? 100,
      maxInFlight: options.bulk?.maxInFlight ?? 4,
      point: (container, request) => this.pointWrite(container, request),
      answered: (response) => this.succeeded(response),
      retriedThrottle: () => {
        this.counters.throttled++;
        this.counters.throttleRetries++;
      },
    });
  }

  /**
   * With a key it creates what is missing. With a token credential it only checks: Entra ID
   * data-plane roles cannot create databases or containers (that is a control-plane operation,
   * done by infra/bicep), so a missing container is reported instead of failing with a 403.
   */
  async init(): Promise<void> {
    const name = this.options.database;
    try {
      if (this.options.key !== undefined) {
        const { database } = await this.client.databases.createIfNotExists({ id: name });
        for (const definition of CONTAINER_DEFINITIONS) {
          const { container } = await database.containers.createIfNotExists(definition);
          this.containers.set(definition.id as Collection, container);
        }
        return;
      }
      const database = this.client.database(name);
      for (const definition of CONTAINER_DEFINITIONS) {
        const container = database.container(definition.id as string);
        await container.read();
        this.containers.set(definition.id as Collection, container);
      }
    } catch (error) {
      const translated = translateCosmosError(error, `initialising database '${name}'`, "write");
      if (translated.code !== "not_found") throw translated;
      throw new StoreError("unavailable", `database '${name}' or one of its containers does not exist; deploy infra/bicep first`, { cause: error });
    }
  }

  async get<C extends Collection>(collection: C, id: string, partitionKey: string): Promise<Stored<DocOf<C>> | undefined> {
    this.counters.ops.read++;
    const what = `${collection}/${id}`;
    try {
      const response = await this.container(collection).item(id, partitionKey).read<ItemDefinition>();
      this.succeeded(response);
      if (response.statusCode === 404 || response.resource === undefined) {
        this.counters.estimatedRu += EstimatedRu.readMissing;
        return undefined;
      }
      const stored = storedOf<DocOf<C>>(response.resource);
      this.counters.estimatedRu += EstimatedRu.read(jsonLengthOf(stored.doc));
      return stored;
    } catch (error) {
      const translated = this.failed(error, what, "read");
      if (translated.code !== "not_found") throw translated;
      this.counters.estimatedRu += EstimatedRu.readMissing;
      return undefined;
    }
  }

  async create<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>> {
    this.counters.ops.create++;
    return this.write(collection, doc, { operationType: "Create", partitionKey: partitionKeyOf(collection, doc), resourceBody: doc as unknown as JSONObject });
  }

  async replace<C extends Collection>(collection: C, doc: DocOf<C>, ifMatch: string): Promise<Stored<DocOf<C>>> {
    this.counters.ops.replace++;
    return this.write(collection, doc, {
      operationType: "Replace",
      id: doc.id,
      partitionKey: partitionKeyOf(collection, doc),
      ifMatch,
      resourceBody: doc as unknown as JSONObject,
    });
  }

  async upsert<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>> {
    this.counters.ops.upsert++;
    return this.write(collection, doc, { operationType: "Upsert", partitionKey: partitionKeyOf(collection, doc), resourceBody: doc as unknown as JSONObject });
  }

  async delete(collection: Collection, id: string, partitionKey: string): Promise<void> {
    this.counters.ops.delete++;
    const what = `${collection}/${id}`;
    try {
      await this.writer.write(this.container(collection), { what, operation: { operationType: "Delete", id, partitionKey } });
      this.counters.estimatedRu += EstimatedRu.delete;
    } catch (error) {
      throw this.failed(error, what, "write");
    }
  }

  /**
   * One page per call when `limit` is set (Cosmos DB may return fewer items, even none, with a
   * continuation); every matching item when it is not, drained page by page.
   */
  async query<C extends Collection>(collection: C, query: StoreQuery): Promise<QueryPage<DocOf<C>>> {
    // Partition scoping goes in both as the feed option (what routes the query to one partition on
    // Cosmos DB) and as a predicate: the local peer ignores the option, and on Cosmos DB the
    // predicate on the partition key path is redundant and free.
    const scoped: StoreQuery =
      query.partitionKey === undefined ? query : { ...query, where: [partitionFilter(collection, query.partitionKey), ...(query.where ?? [])] };
    const spec = compileQuery(scoped);
    this.counters.ops.query++;
    const items: Stored<DocOf<C>>[] = [];
    let continuation = query.continuation;
    try {
      do {
        const page = await this.container(collection)
          .items.query<ItemDefinition>(spec, {
            maxItemCount: query.limit ?? -1,
            ...(continuation === undefined ? {} : { continuationToken: continuation }),
            ...(query.partitionKey === undefined ? {} : { partitionKey: query.partitionKey }),
          })
          .fetchNext();
        this.counters.estimatedRu += EstimatedRu.queryPage;
        this.succeeded(page);
        for (const resource of page.resources ?? []) items.push(storedOf<DocOf<C>>(resource));
        continuation = page.hasMoreResults ? page.continuationToken : undefined;
        if (page.hasMoreResults && continuation === undefined) {
          throw new StoreError("unavailable", `query on ${collection} has more results but the SDK gave no continuation token: ${spec.query}`);
        }
      } while (query.limit === undefined && continuation !== undefined);
    } catch (error) {
      throw this.failed(error, `query on ${collection}`, "read");
    }
    return continuation === undefined ? { items } : { items, continuation };
  }

  async count(collection: Collection, query: StoreCountQuery): Promise<number> {
    const where = query.partitionKey === undefined ? (query.where ?? []) : [partitionFilter(collection, query.partitionKey), ...(query.where ?? [])];
    const spec = compileCount({ where });
    this.counters.ops.query++;
    try {
      // An aggregate across partitions: the SDK combines the partial counts of every partition.
      const response = await this.container(collection)
        .items.query<number>(spec, query.partitionKey === undefined ? {} : { partitionKey: query.partitionKey })
        .fetchAll();
      this.counters.estimatedRu += EstimatedRu.queryPage;
      this.succeeded(response);
      return response.resources.reduce((sum, part) => sum + (typeof part === "number" ? part : 0), 0);
    } catch (error) {
      throw this.failed(error, `count on ${collection}`, "read");
    }
  }

  stats(): StoreStats {
    return structuredClone(this.counters);
  }

  /** How the writes travelled: point calls, bulk calls and the operations those carried. */
  writeStats(): BulkWriterStats {
    return this.writer.stats();
  }

  /** The request charge the server reported (real RU on Cosmos DB, a placeholder on the local peer). */
  reportedRequestCharge(): number {
    return this.reportedRu;
  }

  async close(): Promise<void> {
    this.client.dispose();
    this.agent.destroy();
  }

  private async write<C extends Collection>(collection: C, doc: DocOf<C>, operation: OperationInput): Promise<Stored<DocOf<C>>> {
    const what = `${collection}/${doc.id}`;
    try {
      const request: WriteRequest = { what, operation };
      const resource = await this.writer.write(this.container(collection), request);
      if (resource === undefined) throw new StoreError("unavailable", `${what}: the write returned no document`);
      // Counted from the bytes a point write sent; a bulk call's body carries many documents, so
      // there the document is measured on its own.
      this.counters.estimatedRu += EstimatedRu.write(request.sentLength ?? jsonLengthOf(doc));
      return storedOf<DocOf<C>>(resource);
    } catch (error) {
      throw this.failed(error, what, "write");
    }
  }

  /** A write as one point call (what the bulk writer sends when there is nothing to group). */
  private async pointWrite(container: Container, request: WriteRequest): Promise<ItemDefinition | undefined> {
    const { operation } = request;
    switch (operation.operationType) {
      case "Create":
        return this.answeredBy(request, await container.items.create(operation.resourceBody as ItemDefinition));
      case "Upsert":
        return this.answeredBy(request, await container.items.upsert(operation.resourceBody as ItemDefinition));
      case "Replace":
        return this.answeredBy(
          request,
          await container
            .item(operation.id, operation.partitionKey as string)
            .replace(operation.resourceBody as ItemDefinition, { accessCondition: { type: "IfMatch", condition: operation.ifMatch ?? "" } }),
        );
      case "Delete":
        this.succeeded(await container.item(operation.id, operation.partitionKey as string).delete());
        return undefined;
      default:
        throw new Error(`the Cosmos store does not write with ${operation.operationType} operations`);
    }
  }

  private answeredBy(
    request: WriteRequest,
    response: { resource?: ItemDefinition; requestCharge: number; diagnostics: CosmosDiagnostics },
  ): ItemDefinition | undefined {
    this.succeeded(response);
    // The SDK's request body of a point write is JSON.stringify of the document: its length is
    // the model's size, with no second serialisation here.
    const sent = response.diagnostics?.clientSideRequestStatistics?.gatewayStatistics?.at(-1)?.requestPayloadLengthInBytes;
    if (typeof sent === "number" && sent > 0) request.sentLength = sent;
    return response.resource;
  }

  private container(collection: Collection): Container {
    const container = this.containers.get(collection);
    if (container === undefined) throw new StoreError("unavailable", "the Cosmos store is not initialised; call init() first");
    return container;
  }

  private succeeded(response: { requestCharge?: number; diagnostics?: CosmosDiagnostics }): void {
    this.reportedRu += response.requestCharge ?? 0;
    const retried = throttledAttemptsIn(response.diagnostics);
    this.counters.throttled += retried;
    this.counters.throttleRetries += retried;
  }

  /** Counts what the failure says and translates it (the one place errors are translated). */
  private failed(error: unknown, what: string, kind: CallKind): StoreError {
    const translated = translateCosmosError(error, what, kind);
    const retried = throttledAttemptsIn((error as { diagnostics?: CosmosDiagnostics } | undefined)?.diagnostics);
    this.counters.throttled += retried;
    this.counters.throttleRetries += retried;
    switch (translated.code) {
      case "throttled":
        // The 429 that ended the SDK's retries is not among its failed attempts.
        this.counters.throttled++;
        this.counters.throttleGiveUps++;
        break;
      case "conflict":
        this.counters.conflicts++;
        this.counters.estimatedRu += EstimatedRu.rejectedWrite;
        break;
      case "already_exists":
        this.counters.estimatedRu += EstimatedRu.rejectedWrite;
        break;
      case "not_found":
        if (kind === "write") this.counters.estimatedRu += EstimatedRu.rejectedWrite;
        break;
    }
    return translated;
  }
}

/** A copy of the document without system properties; the etag travels beside it. */
function storedOf<T>(resource: ItemDefinition): Stored<T> {
  const doc: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(resource)) if (!SYSTEM_PROPERTIES.has(name)) doc[name] = value;
  return { doc: doc as T, etag: String(resource._etag ?? "") };
}

/** For the local peer's `http:` endpoint: the pipeline refuses plain HTTP unless the request allows it. */
function insecureAllowed(inner: HttpClient): HttpClient {
  return {
    sendRequest(request) {
      request.allowInsecureConnection = true;
      return inner.sendRequest(request);
    },
  };
}

function endpointProtocol(endpoint: string): string {
  try {
    return new URL(endpoint).protocol;
  } catch {
    throw new Error(`CosmosStore endpoint '${endpoint}' is not a URL (expected https://ACCOUNT.documents.azure.com:443/ or http://127.0.0.1:PORT)`);
  }
}

function partitionFilter(collection: Collection, partitionKey: string): StoreFilter {
  return { field: PARTITION_KEYS[collection], op: "=", value: partitionKey };
}

/** 429s the SDK retried through, from the diagnostics every response and error carries. */
function throttledAttemptsIn(diagnostics: CosmosDiagnostics | undefined): number {
  const attempts = diagnostics?.clientSideRequestStatistics?.retryDiagnostics?.failedAttempts ?? [];
  return attempts.filter((attempt) => attempt.statusCode === 429).length;
}
