import { randomBytes } from "node:crypto";
import { DeregisteredFactory, EnrolledFactory, RotatedToken } from "../contracts/index.js";

/**
 * The agent's side of enrollment. A container started by KEDA has no token of its own, only the
 * pool's enrollment secret from the platform (ENROLLMENT_TOKEN); at start it exchanges it for a
 * factory token bound to one factory id, and on a clean exit it deregisters, which also revokes
 * that token. A long-running agent rotates its token before it expires.
 */

export interface EnrollOptions {
  coordinatorUrl: string;
  /** The pool's enrollment token (`<id>.<secret>`). */
  enrollmentToken: string;
  /** A stable name such as the pod name; omitted, the coordinator picks `<pool>-<random>`. */
  factoryId?: string;
  /** How long transient failures (network, 5xx, 429) are retried. Default 120 s. */
  retryForMs?: number;
  timeoutMs?: number;
  onRetry?: (attempt: number, reason: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** What enrolling gives the agent: its identity and its own token (keep it in memory only). */
export interface Enrollment {
  factoryId: string;
  pool: string;
  productId: string;
  token: string;
  /** Epoch ms; rotate before it (see rotationDueAt). */
  expiresAt: number;
}

/** The coordinator refused (a bad, used-up, expired or revoked token; the wrong pool): retrying will not help. */
export class EnrollmentError extends Error {
  override readonly name = "EnrollmentError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function enrollFactory(options: EnrollOptions): Promise<Enrollment> {
  let factoryId = options.factoryId;
  for (let renamed = 0; ; renamed++) {
    const answer = await callCoordinator(options, "POST", "/fleet/factories/enroll", options.enrollmentToken, factoryId === undefined ? {} : { factoryId });
    if (answer.ok) {
      const enrolled = EnrolledFactory.parse(answer.body);
      return { factoryId: enrolled.factoryId, pool: enrolled.pool, productId: enrolled.productId, token: enrolled.token, expiresAt: Date.parse(enrolled.expiresAt) };
    }
    // The id is enrolled already: an earlier attempt whose answer was lost, or a reused pod name.
    // That token is unknown here, so enroll under a fresh name derived from the chosen one.
    if (answer.code === "ALREADY_EXISTS" && factoryId !== undefined && renamed < 3) {
      factoryId = `${options.factoryId}-${randomBytes(3).toString("hex")}`;
      continue;
    }
    throw new EnrollmentError(answer.status, answer.code, `enrollment refused: ${answer.message}`);
  }
}

export interface FactoryTokenOptions {
  coordinatorUrl: string;
  /** The factory's own token (or a pool token, with `factoryId` sent as X-Factory-Id). */
  token: string;
  factoryId: string;
  retryForMs?: number;
  timeoutMs?: number;
  onRetry?: (attempt: number, reason: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A clean exit: the coordinator forgets the factory and revokes its enrolled token. Best effort and
 * bounded (10 s by default), so an exiting agent never hangs on it: a factory that could not
 * deregister disappears anyway when its document's time to live runs out.
 */
export async function deregisterFactory(options: FactoryTokenOptions): Promise<DeregisteredFactory | { failed: string }> {
  const answer = await callCoordinator({ retryForMs: 10_000, ...options }, "POST", `/fleet/factories/${encodeURIComponent(options.factoryId)}/deregister`, options.token, undefined, options.factoryId);
  return answer.ok ? DeregisteredFactory.parse(answer.body) : { failed: `${answer.code}: ${answer.message}` };
}

/** A new token for this factory; the current one keeps working for `graceSeconds` (default 300). */
export async function rotateFactoryToken(options: FactoryTokenOptions & { graceSeconds?: number }): Promise<{ token: string; expiresAt: number; previousTokenValidUntil: number }> {
  const answer = await callCoordinator(options, "POST", `/fleet/factories/${encodeURIComponent(options.factoryId)}/token/rotate`, options.token, options.graceSeconds === undefined ? {} : { graceSeconds: options.graceSeconds });
  if (!answer.ok) throw new EnrollmentError(answer.status, answer.code, `token rotation refused: ${answer.message}`);
  const rotated = RotatedToken.parse(answer.body);
  return { token: rotated.token, expiresAt: Date.parse(rotated.expiresAt ?? rotated.previousTokenValidUntil), previousTokenValidUntil: Date.parse(rotated.previousTokenValidUntil) };
}

/** When to rotate a token that lives from `issuedAt` to `expiresAt`: at four fifths of its life. */
export function rotationDueAt(issuedAt: number, expiresAt: number): number {
  return issuedAt + Math.floor((expiresAt - issuedAt) * 0.8);
}

type Answer = { ok: true; body: unknown } | { ok: false; status: number; code: string; message: string };

/** One call, retrying what is transient (network errors, 5xx, 429 after its Retry-After). */
async function callCoordinator(
  options: { coordinatorUrl: string; retryForMs?: number; timeoutMs?: number; onRetry?: (attempt: number, reason: string) => void; sleep?: (ms: number) => Promise<void> },
  method: string,
  path: string,
  token: string,
  body: unknown,
  factoryIdHeader?: string,
): Promise<Answer> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + (options.retryForMs ?? 120_000);
  for (let attempt = 1; ; attempt++) {
    let reason: string;
    let waitMs = Math.min(5000, 100 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
    try {
      const response = await fetch(`${options.coordinatorUrl.replace(/\/$/, "")}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(factoryIdHeader === undefined ? {} : { "x-factory-id": factoryIdHeader }),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      const text = await response.text();
      const parsed = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
      if (response.ok) return { ok: true, body: parsed };
      if (response.status !== 429 && response.status < 500) {
        const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
        return { ok: false, status: response.status, code: error?.code ?? String(response.status), message: error?.message ?? text };
      }
      reason = `HTTP ${response.status}`;
      const retryAfter = Number(response.headers.get("retry-after"));
      if (Number.isFinite(retryAfter) && retryAfter > 0) waitMs = retryAfter * 1000;
    } catch (error) {
      reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    if (Date.now() + waitMs > deadline) return { ok: false, status: 0, code: "UNREACHABLE", message: `coordinator unreachable: ${reason}` };
    options.onRetry?.(attempt, reason);
    await sleep(waitMs);
  }
}
