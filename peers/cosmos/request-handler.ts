import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type PackageAccount, routeOf } from "./cosmosdb-server-internals.js";
import type { JournalWriter } from "./journal-writer.js";
import { answerBudgetedBulk, isBulkRequest } from "./budgeted-bulk.js";
import { chargeBulkOperations, type RequestKind, type RequestUnitBudget, requestCharge } from "./request-units.js";

export interface RequestHandlerOptions {
  /** Resolves once the account holds the restored state; requests that arrive earlier wait. */
  account: Promise<PackageAccount>;
  /** With a data directory: no reply goes out before the journal holds every change made so far. */
  journal?: JournalWriter;
  budget?: RequestUnitBudget;
  keepAlive: boolean;
}

const DOCUMENTS_PATH = /^\/dbs\/[^/]+\/colls\/[^/]+\/docs(\/[^/]+)?$/;
const QUERY_METRICS =
  "totalExecutionTimeInMs=0.00;queryCompileTimeInMs=0.00;queryLogicalPlanBuildTimeInMs=0.00;queryPhysicalPlanBuildTimeInMs=0.00;" +
  "queryOptimizationTimeInMs=0.00;VMExecutionTimeInMs=0.00;indexLookupTimeInMs=0.00;documentLoadTimeInMs=0.00;" +
  "systemFunctionExecuteTimeInMs=0.00;userFunctionExecuteTimeInMs=0.00;retrievedDocumentCount=0;retrievedDocumentSize=0;" +
  "outputDocumentCount=1;outputDocumentSize=0;writeOutputTimeInMs=0.00;indexUtilizationRatio=0.00";

/**
 * The peer's HTTP front: the package's route table and handlers do the Cosmos DB work on our
 * account; this adds what the package's own front lacks, in this order:
 *
 * 1. a request-unit budget on document requests (429 with `x-ms-retry-after-ms`, before anything
 *    is applied); within a bulk call, per operation (peers/cosmos/budgeted-bulk.ts);
 * 2. durability: the reply waits until the journal has every change applied so far on disk, this
 *    request's included. Reads wait too, so no reply ever shows state that a crash could still
 *    take back. Once the journal has failed, every request gets 503;
 * 3. the response framing the SDK expects (the package's: etag, content type, activity id,
 *    change-feed `a-im` handling), the modelled request charge, and keep-alive left on.
 */
export function createRequestListener(options: RequestHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end(JSON.stringify({ code: "InternalServerError", message: error instanceof Error ? error.message : String(error) }));
      } else res.destroy();
    });
  };
}

async function handle(options: RequestHandlerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const account = await options.account;
  const { journal, budget } = options;
  if (!options.keepAlive) res.setHeader("connection", "close");
  if (journal?.failed !== undefined) return refuseJournalFailed(res, journal.failed);
  const kind = documentRequestKind(req);
  if (budget !== undefined && kind !== undefined) {
    const retryAfterMs = budget.admit();
    if (retryAfterMs !== undefined) {
      res.statusCode = 429;
      res.setHeader("content-type", "application/json");
      res.setHeader("x-ms-retry-after-ms", String(retryAfterMs));
      res.setHeader("x-ms-substatus", "3200");
      res.setHeader("x-ms-request-charge", "0");
      res.end(
        JSON.stringify({
          code: "TooManyRequests",
          message: `Request rate is large: the peer's budget of ${budget.ruPerSecond} RU/s is spent; retry after ${retryAfterMs} ms`,
        }),
      );
      return;
    }
  }

  const route = routeOf(req);
  // Under a budget a bulk call is throttled per operation; it is then charged as it runs.
  const bulkUnderBudget = budget !== undefined && kind === "write" && route !== undefined && isBulkRequest(req);
  let body: unknown;
  if (route === undefined) {
    res.statusCode = 400;
    body = { message: "no route" };
  } else {
    try {
      body = bulkUnderBudget ? await answerBudgetedBulk(account, req, res, route.params, budget) : await route.handler(account, req, res, route.params);
    } catch (error) {
      res.statusCode = 500;
      body = { message: error instanceof Error ? error.message : String(error) };
    }
  }
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : undefined;
  if (res.statusCode > 399 && fields !== undefined && !fields.message) fields.message = "";
  const bulk = kind === "write" && Array.isArray(body) && isBulkRequest(req);
  const bulkCharge = bulk ? chargeBulkOperations(body as unknown[]) : 0;
  const payload = body === undefined ? "" : JSON.stringify(body);

  if (journal !== undefined) {
    try {
      await journal.settled();
    } catch (error) {
      return refuseJournalFailed(res, error as Error);
    }
  }

  const charge = kind === undefined ? 1 : bulk ? bulkCharge : requestCharge(kind, res.statusCode, Buffer.byteLength(payload));
  if (budget !== undefined && kind !== undefined && !bulkUnderBudget) budget.charge(charge);
  if (typeof fields?._etag === "string") res.setHeader("etag", fields._etag);
  res.setHeader("content-type", "application/json");
  res.setHeader("content-location", `https://${req.headers.host}${req.url}`);
  res.setHeader("x-ms-activity-id", randomUUID());
  res.setHeader("x-ms-request-charge", String(charge));
  if (req.headers["x-ms-documentdb-populatequerymetrics"]) res.setHeader("x-ms-documentdb-query-metrics", QUERY_METRICS);
  // The change feed: the package answers every read; a conditional one means "nothing new".
  if (req.headers["a-im"] && res.statusCode === 200) {
    if (req.headers["if-none-match"]) res.statusCode = 304;
    res.setHeader("etag", "1");
  }
  res.end(payload);
}

/** Document reads, queries and writes are budgeted; account, database and container requests are not. */
function documentRequestKind(req: IncomingMessage): RequestKind | undefined {
  // As the package's router does: the SDK may send a leading double slash, which `new URL` would
  // read as a host name.
  let path = (req.url ?? "/").split("?")[0]!.replace(/^\/\/+/, "/");
  while (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  if (!DOCUMENTS_PATH.test(path)) return undefined;
  if (req.method === "GET") return "read";
  const isQuery = String(req.headers["x-ms-documentdb-isquery"]).toLowerCase() === "true" || req.headers["content-type"] === "application/query+json";
  return req.method === "POST" && isQuery ? "query" : "write";
}

function refuseJournalFailed(res: ServerResponse, failure: Error): void {
  res.statusCode = 503;
  res.setHeader("content-type", "application/json");
  res.end(
    JSON.stringify({
      code: "ServiceUnavailable",
      message: `${failure.message}. The peer accepts nothing more: restart it, and it replays what is on disk.`,
    }),
  );
}
