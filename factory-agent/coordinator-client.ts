import type { Checkpoint, HeartbeatBody, JobDoc, ReleaseLeaseBody } from "../contracts/index.js";

export type CallResult<T> = { ok: true; value: T } | { ok: false; status: number; code: string; message: string };

export interface CoordinatorClientOptions {
  baseUrl: string;
  token: string;
  factoryId: string;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** How long a call keeps retrying transient failures (network, 5xx, 429) before giving up. */
  retryForMs?: number;
  onRetry?: (path: string, attempt: number, reason: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The factory's HTTP client for the coordinator. Transient failures (connection refused, timeouts,
 * 5xx, 429) are retried with bounded exponential backoff; answers (2xx, 4xx) are returned. Every
 * call the agent makes is idempotent on the coordinator (a repeated accept, report or release of
 * the same epoch is a no-op), so a retry after an unknown outcome never counts twice.
 */
export class CoordinatorClient {
  private readonly sleep: (ms: number) => Promise<void>;
  constructor(private readonly options: CoordinatorClientOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** `retryForMs`: how long to keep retrying a transient failure (up to the accept deadline). */
  accept(jobId: string, epoch: number, retryForMs?: number): Promise<CallResult<JobDoc>> {
    return this.call("POST", `/fleet/jobs/${encodeURIComponent(jobId)}/lease/accept`, { leaseEpoch: epoch }, retryForMs);
  }

  renew(jobId: string, epoch: number): Promise<CallResult<{ expiresAt?: number }>> {
    return this.call("POST", `/fleet/jobs/${encodeURIComponent(jobId)}/lease/renew`, { leaseEpoch: epoch });
  }

  report(jobId: string, epoch: number, stage: "building" | "review" | "testing", checkpoint?: Checkpoint): Promise<CallResult<JobDoc>> {
    return this.call("PATCH", `/fleet/jobs/${encodeURIComponent(jobId)}`, { stage, leaseEpoch: epoch, ...(checkpoint === undefined ? {} : { checkpoint }) });
  }

  release(jobId: string, body: ReleaseLeaseBody): Promise<CallResult<{ stage: string }>> {
    return this.call("POST", `/fleet/jobs/${encodeURIComponent(jobId)}/lease/release`, body);
  }

  heartbeat(body: HeartbeatBody): Promise<CallResult<{ ok: boolean }>> {
    return this.call("POST", "/fleet/factories/heartbeat", body, 5_000);
  }

  private async call<T>(method: string, path: string, body: unknown, retryForMs = this.options.retryForMs ?? 120_000): Promise<CallResult<T>> {
    const deadline = Date.now() + retryForMs;
    for (let attempt = 1; ; attempt++) {
      let reason: string;
      try {
        const response = await fetch(`${this.options.baseUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            "x-factory-id": this.options.factoryId,
            "content-type": "application/json",
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
        const text = await response.text();
        const parsed = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
        if (response.ok) return { ok: true, value: parsed as T };
        if (response.status !== 429 && response.status < 500) {
          const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
          return { ok: false, status: response.status, code: error?.code ?? String(response.status), message: error?.message ?? text };
        }
        reason = `HTTP ${response.status}`;
      } catch (error) {
        reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      if (Date.now() >= deadline) return { ok: false, status: 0, code: "UNREACHABLE", message: `coordinator unreachable: ${reason}` };
      this.options.onRetry?.(path, attempt, reason);
      await this.sleep(Math.min(5000, 100 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2));
    }
  }
}
