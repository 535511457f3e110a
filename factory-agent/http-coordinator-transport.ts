import type { z } from "zod";
import { ErrorBody, JobDoc } from "../contracts/index.js";
import { formatZodIssues } from "../contracts/validation-message.js";
import { HeartbeatAnswer, ReleaseAnswer, RenewAnswer } from "./coordinator-answers.js";
import type { CallValues, CoordinatorCall, CoordinatorTransport, TransportOutcome } from "./coordinator-port.js";

export interface HttpCoordinatorTransportOptions {
  baseUrl: string;
  token: string;
  factoryId: string;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
}

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
 * in the headers. 2xx and 4xx (other than 429) are answers; a connection failure, a timeout, a 5xx
 * or a 429 is a try without an answer, for the client to retry. Every answer body is validated:
 * a success that does not match the call's schema, or an error without the `{ error: { code,
 * message } }` envelope, is answered as INVALID_RESPONSE (a coordinator of another version).
 */
export class HttpCoordinatorTransport implements CoordinatorTransport {
  private token: string;

  constructor(private readonly options: HttpCoordinatorTransportOptions) {
    this.token = options.token;
  }

  /** A rotated token: every call from now on carries it. */
  useToken(token: string): void {
    this.token = token;
  }

  async send<C extends CoordinatorCall>(call: C): Promise<TransportOutcome<CallValues[C["op"]]>> {
    const { method, path, body } = requestOf(call);
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.options.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, "x-factory-id": this.options.factoryId, "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      text = await response.text();
    } catch (error) {
      return { answered: false, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
    if (response.status === 429 || response.status >= 500) return { answered: false, reason: `HTTP ${response.status}` };
    const json = parseJson(text);
    if (response.ok) {
      const op: C["op"] = call.op;
      const parsed = parseAnswer(op, json);
      if (parsed.success) return { answered: true, result: { ok: true, value: parsed.data } };
      return invalid(response.status, `the coordinator's answer to ${call.op} does not match the agent's schema (${formatZodIssues(parsed.error.issues)}); run agent and coordinator of the same version`);
    }
    const error = ErrorBody.safeParse(json);
    if (error.success) return { answered: true, result: { ok: false, status: response.status, code: error.data.error.code, message: error.data.error.message } };
    return { answered: true, result: { ok: false, status: response.status, code: String(response.status), message: text.slice(0, 500) } };
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
