import { Agent, type IncomingMessage, type ServerResponse, request } from "node:http";
import { ERROR_CATALOGUE } from "../../contracts/index.js";

/** Headers that describe one connection, not the message: never copied across a hop. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "upgrade", "te", "trailer", "proxy-authorization", "proxy-authenticate"]);

/** Marks a request a replica forwarded, so the next replica never forwards it again (no loops). */
export const FORWARDED_BY_HEADER = "x-fleet-forwarded-by";

/** A forwarded request that has no answer from the leader within this long gets a 503 (a stalled
 * leader must not hold callers for ever). Streams are not cut once the answer has begun. */
const ANSWER_TIMEOUT_MS = 10_000;

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/**
 * Forwards one HTTP request to the leader's front as it came (method, path, headers, body, and
 * X-Forwarded-For unchanged, so the leader sees the caller as the ingress reported it) and streams
 * the answer back, event streams included. When the leader cannot be reached the caller gets 503
 * LEADER_UNAVAILABLE with Retry-After, which every client of the API retries.
 */
export function forwardToLeader(req: IncomingMessage, res: ServerResponse, leaderUrl: string, via: string): void {
  const target = new URL(req.url ?? "/", leaderUrl);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  headers.host = target.host;
  headers[FORWARDED_BY_HEADER] = via;
  const upstream = request(target, { method: req.method, headers, agent });
  const timer = setTimeout(() => upstream.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
  upstream.on("response", (answer) => {
    clearTimeout(timer);
    const answerHeaders: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) answerHeaders[name] = value;
    res.writeHead(answer.statusCode ?? 502, answerHeaders);
    answer.pipe(res);
    answer.on("error", () => res.destroy());
  });
  upstream.on("error", (error) => {
    clearTimeout(timer);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendLeaderUnavailable(res, `the leader at ${leaderUrl} did not answer (${error.message}); retry: the replicas elect a new leader when it is gone`);
  });
  // The caller went away (a closed event stream): stop the upstream request too.
  res.on("close", () => {
    clearTimeout(timer);
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

/** 503 with the API's error body and Retry-After: no leader can take the request right now. */
export function sendLeaderUnavailable(res: ServerResponse, message: string): void {
  const hint = ERROR_CATALOGUE.LEADER_UNAVAILABLE.hint;
  const body = JSON.stringify({ error: { code: "LEADER_UNAVAILABLE", message: `${message} (${hint})`, hint } });
  res.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": "1", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** Closes the kept-alive connections to leaders (at shutdown). */
export function closeForwardingConnections(): void {
  agent.destroy();
}
