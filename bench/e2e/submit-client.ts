import { Pool } from "undici";
import { E2E_CAPABILITIES } from "./bench-stack-files.js";

export interface SubmitAnswer {
  status: number;
  body: unknown;
}

/**
 * The load generator's HTTP client of the coordinator: a keep-alive connection pool (undici), the
 * load tester's key, and the two ways to submit (one job per request, or a batch per request).
 */
export class SubmitClient {
  private readonly pool: Pool;

  constructor(
    readonly url: string,
    private readonly token: string,
    connections = 16,
  ) {
    this.pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  /** `timeoutMs` is generous: an open-loop submitter past the coordinator's capacity queues its requests. */
  async request(method: "GET" | "POST", path: string, body?: unknown, timeoutMs = 180_000): Promise<SubmitAnswer> {
    const response = await this.pool.request({
      method,
      path,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await response.body.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      // Not JSON (the metrics text): keep it as it is.
    }
    return { status: response.statusCode, body: parsed };
  }

  /** Whether the coordinator serves the bulk submit API (404: it does not). */
  async hasBulkSubmit(): Promise<boolean> {
    const answer = await this.request("POST", "/fleet/jobs/batch", { jobs: [] });
    return answer.status !== 404;
  }

  submitOne(key: string): Promise<SubmitAnswer> {
    return this.request("POST", "/fleet/jobs", jobBody(key));
  }

  submitBatch(keys: string[]): Promise<SubmitAnswer> {
    return this.request("POST", "/fleet/jobs/batch", { jobs: keys.map(jobBody) });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function jobBody(key: string) {
  return { idempotencyKey: key, bodyMd: "no-op benchmark job", capabilities: E2E_CAPABILITIES };
}
