import { type Container, CosmosClient, type Database, type ItemDefinition } from "@azure/cosmos";
import type { TokenCredential } from "@azure/identity";
import {
  COLLECTIONS,
  type Collection,
  type DocOf,
  emptyStoreStats,
  PARTITION_KEYS,
  partitionKeyOf,
  type QueryPage,
  StoreError,
  type StorePort,
  type StoreQuery,
  type StoreStats,
  type Stored,
} from "../port.js";
import { compileQuery } from "./compile-query.js";
import { translateCosmosError } from "./translate-cosmos-error.js";

export interface CosmosStoreOptions {
  endpoint: string;
  /** Account key; omit to authenticate with a token credential (managed identity). */
  key?: string;
  credential?: TokenCredential;
  database: string;
  /** The local protocol peer: plain HTTP, no endpoint discovery. */
  local?: boolean;
}

const SYSTEM_FIELDS = ["_rid", "_self", "_ts", "_attachments", "_etag", "_lsn"] as const;

/**
 * The store port on Azure Cosmos DB (@azure/cosmos). Etag compare-and-swap through IfMatch (a 412
 * becomes StoreError("conflict")); 429s are retried by the SDK honouring retry-after (the retry
 * options below are set on purpose), and only a 429 that outlives them surfaces as
 * StoreError("throttled"). Database and containers are created at start if missing.
 */
export class CosmosStore implements StorePort {
  private readonly client: CosmosClient;
  private database: Database | undefined;
  private readonly containers = new Map<Collection, Container>();
  private readonly stats_: StoreStats = emptyStoreStats();

  constructor(private readonly options: CosmosStoreOptions) {
    if (options.key === undefined && options.credential === undefined) {
      throw new Error("CosmosStore needs an account key or a token credential (managed identity)");
    }
    this.client = new CosmosClient({
      endpoint: options.endpoint,
      ...(options.key !== undefined ? { key: options.key } : { aadCredentials: options.credential! }),
      connectionPolicy: {
        enableEndpointDiscovery: options.local !== true,
        requestTimeout: 10_000,
        retryOptions: {
          // Up to 9 retries on 429, each after the server's retry-after (fixed interval 0 means
          // "honour retry-after"), for at most 30 s in total.
          maxRetryAttemptCount: 9,
          fixedRetryIntervalInMilliseconds: 0,
          maxWaitTimeInSeconds: 30,
        },
      },
    });
  }

  async init(): Promise<void> {
    try {
      const { database } = await this.client.databases.createIfNotExists({ id: this.options.database });
      this.database = database;
      for (const collection of COLLECTIONS) {
        const { container } = await database.containers.createIfNotExists({
          id: collection,
          partitionKey: { paths: [`/${PARTITION_KEYS[collection]}`] },
        });
        this.containers.set(collection, container);
      }
    } catch (error) {
      throw translateCosmosError(error, `creating database ${this.options.database}`);
    }
  }

  async get<C extends Collection>(collection: C, id: string, partitionKey: string): Promise<Stored<DocOf<C>> | undefined> {
    this.stats_.ops.read++;
    try {
      const response = await this.container(collection).item(id, partitionKey).read<ItemDefinition>();
      this.note(response);
      if (response.resource === undefined || response.statusCode === 404) {
        this.stats_.estimatedRu += 1;
        return undefined;
      }
      this.stats_.estimatedRu += ru(response.resource, 1);
      return this.stored<C>(response.resource);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.failed(error, `${collection}/${id}`);
    }
  }

  async create<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>> {
    this.stats_.ops.create++;
    try {
      const response = await this.container(collection).items.create(doc as unknown as ItemDefinition);
      this.note(response);
      this.stats_.estimatedRu += ru(doc, 5);
      return this.stored<C>(response.resource!);
    } catch (error) {
      throw this.failed(error, `${collection}/${(doc as { id: string }).id}`);
    }
  }

  async replace<C extends Collection>(collection: C, doc: DocOf<C>, ifMatch: string): Promise<Stored<DocOf<C>>> {
    this.stats_.ops.replace++;
    const id = (doc as { id: string }).id;
    try {
      const response = await this.container(collection)
        .item(id, partitionKeyOf(collection, doc))
        .replace(doc as unknown as ItemDefinition, { accessCondition: { type: "IfMatch", condition: ifMatch } });
      this.note(response);
      this.stats_.estimatedRu += ru(doc, 5);
      return this.stored<C>(response.resource!);
    } catch (error) {
      if (statusOf(error) === 412) this.stats_.conflicts++;
      throw this.failed(error, `${collection}/${id}`);
    }
  }

  async upsert<C extends Collection>(collection: C, doc: DocOf<C>): Promise<Stored<DocOf<C>>> {
    this.stats_.ops.upsert++;
    try {
      const response = await this.container(collection).items.upsert(doc as unknown as ItemDefinition);
      this.note(response);
      this.stats_.estimatedRu += ru(doc, 5);
      return this.stored<C>(response.resource!);
    } catch (error) {
      throw this.failed(error, `${collection}/${(doc as { id: string }).id}`);
    }
  }

  async delete(collection: Collection, id: string, partitionKey: string): Promise<void> {
    this.stats_.ops.delete++;
    try {
      await this.container(collection).item(id, partitionKey).delete();
      this.stats_.estimatedRu += 5;
    } catch (error) {
      throw this.failed(error, `${collection}/${id}`);
    }
  }

  async query<C extends Collection>(collection: C, query: StoreQuery): Promise<QueryPage<DocOf<C>>> {
    this.stats_.ops.query++;
    this.stats_.estimatedRu += 2.5;
    try {
      // The partition key also goes in as a filter: real Cosmos DB scopes by the option alone, but
      // the local peer ignores it, and the extra predicate is free on a partition-scoped query.
      const scoped: StoreQuery =
        query.partitionKey === undefined
          ? query
          : { ...query, where: [{ field: PARTITION_KEYS[collection], op: "=", value: query.partitionKey }, ...(query.where ?? [])] };
      const iterator = this.container(collection).items.query<ItemDefinition>(compileQuery(scoped), {
        ...(query.limit === undefined ? {} : { maxItemCount: query.limit }),
        ...(query.continuation === undefined ? {} : { continuationToken: query.continuation }),
        ...(query.partitionKey === undefined ? {} : { partitionKey: query.partitionKey }),
      });
      const page = await iterator.fetchNext();
      const items = (page.resources ?? []).map((resource) => this.stored<C>(resource));
      return page.hasMoreResults && page.continuationToken !== undefined ? { items, continuation: page.continuationToken } : { items };
    } catch (error) {
      throw this.failed(error, `query on ${collection}`);
    }
  }

  stats(): StoreStats {
    return structuredClone(this.stats_);
  }

  async close(): Promise<void> {
    this.client.dispose();
  }

  private container(collection: Collection): Container {
    const container = this.containers.get(collection);
    if (container === undefined) throw new StoreError("unavailable", "the Cosmos store was not initialised; call init() first");
    return container;
  }

  private stored<C extends Collection>(resource: ItemDefinition): Stored<DocOf<C>> {
    const etag = String(resource._etag ?? "");
    const doc: Record<string, unknown> = { ...resource };
    for (const field of SYSTEM_FIELDS) delete doc[field];
    return { doc: doc as DocOf<C>, etag };
  }

  private note(response: { headers?: Record<string, unknown> }): void {
    const retries = Number(response.headers?.["x-ms-throttle-retry-count"] ?? 0);
    if (retries > 0) {
      this.stats_.throttled += retries;
      this.stats_.throttleRetries += retries;
    }
  }

  private failed(error: unknown, what: string): StoreError {
    const translated = translateCosmosError(error, what);
    if (translated.code === "throttled") {
      this.stats_.throttled++;
      this.stats_.throttleGiveUps++;
    }
    return translated;
  }
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "number" ? code : undefined;
}

function ru(doc: unknown, perKb: number): number {
  return perKb * Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(doc)) / 1024));
}
