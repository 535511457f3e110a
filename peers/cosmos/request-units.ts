/**
 * Request units, as the peer charges and budgets them.
 *
 * Charge: the published rule of thumb for Azure Cosmos DB, applied to what the request moved: a
 * write costs 5 RU per started KB of the stored result (at least 5), a point read 1 RU per started
 * KB returned (at least 1), a query page at least 2.5 RU, a refused write (412, 409, 404) 1 RU.
 * The peer reports it in `x-ms-request-charge`. It is a model, not Cosmos DB's real accounting.
 */
export type RequestKind = "read" | "query" | "write";

export function requestCharge(kind: RequestKind, status: number, responseBytes: number): number {
  const kb = Math.max(1, Math.ceil(responseBytes / 1024));
  if (kind === "write") return status >= 400 ? 1 : 5 * kb;
  if (kind === "query") return Math.max(2.5, kb);
  return kb;
}

/**
 * A bulk call (`x-ms-cosmos-is-batch-request`) is charged as its operations would be one by one:
 * each answered operation's charge (a read, or a write by the size of its stored result) is set on
 * it, as Cosmos DB reports them, and the call costs their sum.
 */
export function chargeBulkOperations(results: readonly unknown[]): number {
  let total = 0;
  for (const result of results) {
    if (typeof result !== "object" || result === null) continue;
    const operation = result as { statusCode?: number; resourceBody?: unknown; requestCharge?: number };
    const status = operation.statusCode ?? 500;
    // Not run: a dependency failed (424), or throttled before it was applied (429).
    if (status === 424 || status === 429) continue;
    const bytes = operation.resourceBody === undefined ? 0 : Buffer.byteLength(JSON.stringify(operation.resourceBody));
    operation.requestCharge = requestCharge("write", status, bytes);
    total += operation.requestCharge;
  }
  return total;
}

/**
 * A provisioned-throughput budget of `ruPerSecond`, as a token bucket that holds at most one
 * second of budget. As on Cosmos DB, a request is admitted while the balance is not negative and
 * charged once it has run (so one large request may overdraw it); while the balance is negative
 * every request is refused with 429 and told, in `x-ms-retry-after-ms`, when to come back. A
 * refused request was not applied, so retrying it is always safe.
 *
 * The retry-afters of requests refused together are spread one request's worth of budget apart
 * (the average charge over the rate), after the time the balance needs to get back to zero: told
 * the same instant, N concurrent callers would all come back at once, one would get in, and the
 * rest would burn their retries in lockstep.
 */
export class RequestUnitBudget {
  private balance: number;
  private updatedAt: number;
  private lastRetryAt = Number.NEGATIVE_INFINITY;
  private averageCharge: number | undefined;

  constructor(
    readonly ruPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(ruPerSecond > 0) || !Number.isFinite(ruPerSecond)) throw new Error(`the request-unit budget must be a positive number of RU per second, not ${ruPerSecond}`);
    this.balance = ruPerSecond;
    this.updatedAt = now();
  }

  /** Undefined when the request may run; otherwise the milliseconds to wait before retrying. */
  admit(): number | undefined {
    const now = this.refill();
    if (this.balance >= 0) return undefined;
    const solvent = now + this.msFor(-this.balance);
    const retryAt = Math.max(solvent, this.lastRetryAt + this.msFor(this.averageCharge ?? 1));
    this.lastRetryAt = retryAt;
    return Math.max(1, Math.ceil(retryAt - now));
  }

  charge(requestUnits: number): void {
    this.refill();
    this.balance -= requestUnits;
    this.averageCharge = this.averageCharge === undefined ? requestUnits : 0.8 * this.averageCharge + 0.2 * requestUnits;
  }

  private msFor(requestUnits: number): number {
    return (requestUnits / this.ruPerSecond) * 1000;
  }

  private refill(): number {
    const now = this.now();
    this.balance = Math.min(this.ruPerSecond, this.balance + ((now - this.updatedAt) / 1000) * this.ruPerSecond);
    this.updatedAt = now;
    return now;
  }
}
