import type { IncomingMessage, ServerResponse } from "node:http";
import { applyBulkOperation, type PackageAccount } from "./cosmosdb-server-internals.js";
import { chargeBulkOperations, type RequestUnitBudget } from "./request-units.js";

/** Whether the request is a bulk call (`container.items.bulk`): a batch request that is not atomic. */
export function isBulkRequest(req: IncomingMessage): boolean {
  return (
    req.method === "POST" &&
    String(req.headers["x-ms-cosmos-is-batch-request"]).toLowerCase() === "true" &&
    String(req.headers["x-ms-cosmos-batch-atomic"]).toLowerCase() !== "true"
  );
}

/**
 * A bulk call under a request-unit budget, throttled per operation as Cosmos DB does: each
 * operation is admitted while the balance is not negative and charged as it runs; once the budget
 * is spent, the remaining operations are refused with 429, `retryAfterMilliseconds` and sub-status
 * 3200, and are not applied. The call itself answers 200 with every operation's result, in order.
 * Each operation is applied by the package's own bulk functions, all in one synchronous step (so
 * the journal holds them in one record, as it does the package's bulk handler's).
 */
export async function answerBudgetedBulk(
  account: PackageAccount,
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
  budget: RequestUnitBudget,
): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let operations: unknown;
  try {
    operations = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    res.statusCode = 400;
    return { code: "BadRequest", message: "the bulk request body is not JSON" };
  }
  if (!Array.isArray(operations)) {
    res.statusCode = 400;
    return { code: "BadRequest", message: "Invalid request body" };
  }
  const collection = account.database(params.dbId ?? "").collection(params.collId ?? "");
  if (collection.read() === undefined) {
    res.statusCode = 404;
    return {};
  }
  const results: unknown[] = [];
  for (const input of operations as Record<string, unknown>[]) {
    const retryAfterMs = budget.admit();
    if (retryAfterMs !== undefined) {
      results.push({ statusCode: 429, subStatusCode: 3200, requestCharge: 0, retryAfterMilliseconds: retryAfterMs });
      continue;
    }
    const result = applyBulkOperation(collection, input ?? {});
    if (result === undefined) {
      res.statusCode = 400;
      return { code: "BadRequest", message: `Operation type '${String(input?.operationType)}' is not supported in Batch.` };
    }
    const answered =
      result.statusCode >= 400
        ? { statusCode: result.statusCode, requestCharge: 0 }
        : { statusCode: result.statusCode, requestCharge: 0, eTag: (result.body as { _etag?: string } | undefined)?._etag, resourceBody: result.body };
    budget.charge(chargeBulkOperations([answered]));
    results.push(answered);
  }
  res.statusCode = 200;
  return results;
}
