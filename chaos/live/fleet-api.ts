import type { z } from "zod";
import type { JobDoc, JobEvent, SubmitJobBody } from "../../contracts/index.js";

/** An answer of the API, or none (the connection failed, or it timed out). */
export type ApiAnswer = { answered: true; status: number; body: unknown; at: number } | { answered: false; reason: string };

/**
 * The live chaos client of the coordinator's public API, as an operator's script would use it:
 * one bearer token, every call bounded in time, and helpers that retry what has no answer (a
 * coordinator that was just killed, a replica electing a leader) with the same idempotency key.
 */
export class FleetApi {
  constructor(
    private readonly base: () => string,
    private readonly token: string,
  ) {}

  async call(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<ApiAnswer> {
    try {
      const response = await fetch(`${this.base()}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === "" ? undefined : JSON.parse(text);
      } catch {
        // Not JSON (metrics): keep the text.
      }
      return { answered: true, status: response.status, body: parsed, at: Date.now() };
    } catch (error) {
      return { answered: false, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  }

  /** Retries calls without an answer, 5xx and 429, until `forMs` has passed; returns the last try. */
  async callRetrying(method: string, path: string, body?: unknown, forMs = 60_000): Promise<ApiAnswer> {
    const deadline = Date.now() + forMs;
    for (let attempt = 1; ; attempt++) {
      const answer = await this.call(method, path, body);
      const retry = !answer.answered || answer.status >= 500 || answer.status === 429;
      if (!retry || Date.now() >= deadline) return answer;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** Math.min(attempt, 5))));
    }
  }

  /** Submits with retries (same key); `ok` with the job id once acknowledged, `unknown` when no try
   * was ever answered with a verdict. A refusal (4xx) is thrown: the scenario's body is wrong. */
  async submit(body: z.input<typeof SubmitJobBody>, forMs = 60_000): Promise<{ outcome: "ok"; jobId: string } | { outcome: "unknown"; reason: string }> {
    const answer = await this.callRetrying("POST", "/fleet/jobs", body, forMs);
    if (!answer.answered) return { outcome: "unknown", reason: answer.reason };
    if (answer.status === 200 || answer.status === 201) return { outcome: "ok", jobId: (answer.body as { job: JobDoc }).job.id };
    if (answer.status >= 500 || answer.status === 429) return { outcome: "unknown", reason: `HTTP ${answer.status}` };
    throw new Error(`submission refused with ${answer.status}: ${JSON.stringify(answer.body)}`);
  }

  async json<T>(method: string, path: string, body?: unknown, forMs = 30_000): Promise<T> {
    const answer = await this.callRetrying(method, path, body, forMs);
    if (!answer.answered) throw new Error(`${method} ${path}: no answer (${answer.reason})`);
    if (answer.status >= 300) throw new Error(`${method} ${path}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as T;
  }

  /** Active jobs by stage (from the leader's memory). */
  async openJobs(): Promise<number> {
    const state = await this.json<{ byStage: Record<string, number> }>("GET", "/fleet/queue-state", undefined, 5000);
    return Object.values(state.byStage).reduce((a, b) => a + b, 0);
  }

  /** Every job document in the store, whoever submitted it (the check for invented jobs needs them all). */
  async allJobs(): Promise<JobDoc[]> {
    const jobs: JobDoc[] = [];
    let continuation: string | undefined;
    do {
      const query = new URLSearchParams({ view: "full", limit: "500", sort: "createdAt" });
      if (continuation !== undefined) query.set("continuation", continuation);
      const page = await this.json<{ items: JobDoc[]; continuation?: string }>("GET", `/fleet/jobs?${query}`);
      jobs.push(...page.items);
      continuation = page.continuation;
    } while (continuation !== undefined);
    return jobs;
  }

  /** A job's whole timeline, oldest first, times as epoch ms. */
  async timeline(job: JobDoc): Promise<JobEvent[]> {
    if (job.events[0]?.seq === 0) return job.events;
    const answer = await this.json<{ items: (Omit<JobEvent, "at"> & { at: string })[] }>("GET", `/fleet/jobs/${encodeURIComponent(job.id)}/events`);
    return answer.items.map((event) => ({ ...event, at: Date.parse(event.at) }));
  }

  /** A Prometheus sample of the coordinator that answers (undefined when it has none). */
  async metric(name: string): Promise<number | undefined> {
    const answer = await this.call("GET", "/metrics", undefined, 5000);
    if (!answer.answered || answer.status !== 200 || typeof answer.body !== "string") return undefined;
    const line = answer.body.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{}`));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
  }
}
