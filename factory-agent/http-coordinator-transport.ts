import { Agent, type Dispatcher, request } from "undici";
import type { z } from "zod";
import { ErrorBody, JobDoc } from "../contracts/index.js";
import { formatZodIssues } from "../contracts/validation-message.js";
import { HeartbeatAnswer, ReleaseAnswer, RenewAnswer } from "./coordinator-answers.js";
import type { CallValues, CoordinatorCall, CoordinatorTransport, TransportOutcome } from "./coordinator-port.js";

export interface HttpCoordinatorTransportOptions {
  baseUrl: string;
  token: string;
  factoryId: string;
  /** Per-request timeout (default 10 s): the answer's headers, and then its body, each within it. */
  timeoutMs?: number;
  /** Keep-alive connections to the coordinator (default 16): an agent's calls in flight at once
   * (concurrent accepts of a receive, reports, renewals, heartbeats) each take one. */
  connections?: number;
}

/** How long an idle connection is kept (the coordinator's own keep-alive hint, when shorter, wins). */
const KEEP_ALIVE_MS = 30_000;

/** How each call's successful answer must look; a body that does not match is a protocol error. */
const ANSWERS: { [K in keyof CallValues]: z.ZodType<CallValues[K]> } = {
  accept: JobDoc,
  renew: RenewAnswer,
  report: JobDoc,
  release: ReleaseAnswer,
  heartbeat: HeartbeatAnswer,
};

/**
 * The coordinator's REST API as a transport: one HTTP request per try, bearer token and factory id
 * in the headers, over a keep-alive undici Agent (a connection is opened once and reused, never one
 * per call; no pipelining: every call but a heartbeat changes state, and a request queued behind
 * another on a connection that then drops could not be retried safely by the HTTP layer). 2xx and 4xx (other than 429) are answers; a connection failure, a timeout, a 5xx
 * or a 429 is a try without an answer, for the client to retry. Every answer body is validated:
 * a success that does not match the call's schema, or an error without the `{ error: { code,
 * message } }` envelope, is answered as INVALID_RESPONSE (a coordinator of another version).
 */
export class HttpCoordinatorTransport implements CoordinatorTransport {
  private token: string;
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;

  constructor(private readonly options: HttpCoordinatorTransportOptions) {
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const connections = options.connections ?? 16;
    if (!Number.isInteger(connections) || connections < 1) throw new Error(`the coordinator transport needs at least one connection (got ${connections})`);
    this.dispatcher = new Agent({ connections, pipelining: 1, keepAliveTimeout: KEEP_ALIVE_MS, keepAliveMaxTimeout: KEEP_ALIVE_MS });
  }

  /** Closes the kept connections (calls in flight finish first). */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** A rotated token: every call from now on carries it. */
  useToken(token: string): void {
    this.token = token;
  }

  async send<C extends CoordinatorCall>(call: C): Promise<TransportOutcome<CallValues[C["op"]]>> {
    const { method, path, body } = requestOf(call);
    let status: number;
    let text: string;
    try {
      const response = await request(`${this.options.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, "x-factory-id": this.options.factoryId, "content-type": "application/json" },
        body: JSON.stringify(body),
        dispatcher: this.dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      return { answered: false, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
    if (status === 429 || status >= 500) return { answered: false, reason: `HTTP ${status}` };
    const json = parseJson(text);
    if (status >= 200 && status < 300) {
      const op: C["op"] = call.op;
      const parsed = parseAnswer(op, json);
      if (parsed.success) return { answered: true, result: { ok: true, value: parsed.data } };
      return invalid(status, `the coordinator's answer to ${call.op} does not match the agent's schema (${formatZodIssues(parsed.error.issues)}); run agent and coordinator of the same version`);
    }
    const error = ErrorBody.safeParse(json);
    if (error.success) return { answered: true, result: { ok: false, status, code: error.data.error.code, message: error.data.error.message } };
    return { answered: true, result: { ok: false, status, code: String(status), message: text.slice(0, 500) } };
  }
}

function parseAnswer<K extends keyof CallValues>(op: K, json: unknown) {
  const schema: z.ZodType<CallValues[K]> = ANSWERS[op];
  return schema.safeParse(json);
}

function requestOf(call: CoordinatorCall): { method: "POST" | "PATCH"; path: string; body: unknown } {
  switch (call.op) {
    case "accept":
      return { method: "POST", path: `${jobPath(call.jobId)}/lease/accept`, body: { leaseEpoch: call.epoch } };
    case "renew":
      return { method: "POST", path: `${jobPath(call.jobId)}/lease/renew`, body: { leaseEpoch: call.epoch } };
    case "report":
      return { method: "PATCH", path: jobPath(call.jobId), body: { stage: call.stage, leaseEpoch: call.epoch, ...(call.checkpoint === undefined ? {} : { checkpoint: call.checkpoint }) } };
    case "release":
      return { method: "POST", path: `${jobPath(call.jobId)}/lease/release`, body: call.body };
    case "heartbeat":
      return { method: "POST", path: "/fleet/factories/heartbeat", body: call.body };
  }
}

function jobPath(jobId: string): string {
  return `/fleet/jobs/${encodeURIComponent(jobId)}`;
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function invalid<T>(status: number, message: string): TransportOutcome<T> {
  return { answered: true, result: { ok: false, status, code: "INVALID_RESPONSE", message } };
}
