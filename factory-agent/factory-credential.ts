import type { Logger } from "pino";
import type { AgentConfig } from "./config.js";
import { type Enrollment, EnrollmentError, deregisterFactory, enrollFactory, rotateFactoryToken, rotationDueAt } from "./enrollment.js";

/** Who this agent is to the coordinator, once its credential is settled. */
export interface FactoryIdentity {
  factoryId: string;
  token: string;
  /** Present for an enrolled factory: its token expires and is rotated. */
  enrollment?: Enrollment;
}

/**
 * Settles the agent's credential at start: a given token is used as is; an enrollment token is
 * exchanged for this factory's own token (and its id, which the coordinator may have suffixed).
 * Throws EnrollmentError when the coordinator refuses the enrollment token (bad configuration).
 */
export async function settleCredential(config: AgentConfig, logger: Logger): Promise<FactoryIdentity> {
  if (config.credential.kind === "token") return { factoryId: config.factoryId, token: config.credential.token };
  const enrollment = await enrollFactory({
    coordinatorUrl: config.coordinatorUrl,
    enrollmentToken: config.credential.enrollmentToken,
    ...(config.factoryIdGiven ? { factoryId: config.factoryId } : {}),
    onRetry: (attempt, reason) => logger.warn({ attempt, reason }, "enrollment failed; retrying"),
  });
  logger.info({ factoryId: enrollment.factoryId, expiresAt: new Date(enrollment.expiresAt).toISOString() }, "enrolled");
  return { factoryId: enrollment.factoryId, token: enrollment.token, enrollment };
}

/**
 * Keeps an enrolled factory's token fresh: rotates it at four fifths of its life (the old one keeps
 * working for the grace period) and hands the new one to `use`. Returns a stop function.
 */
export function keepTokenFresh(identity: FactoryIdentity, coordinatorUrl: string, use: (token: string) => void, logger: Logger): () => void {
  const enrollment = identity.enrollment;
  if (enrollment === undefined) return () => undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (issuedAt: number, expiresAt: number) => {
    const delay = Math.max(1000, rotationDueAt(issuedAt, expiresAt) - Date.now());
    timer = setTimeout(() => void rotate(), Math.min(delay, 2_147_000_000));
    timer.unref();
  };
  const rotate = async () => {
    try {
      const rotated = await rotateFactoryToken({ coordinatorUrl, token: identity.token, factoryId: identity.factoryId });
      identity.token = rotated.token;
      use(rotated.token);
      logger.info({ expiresAt: new Date(rotated.expiresAt).toISOString() }, "factory token rotated");
      if (!stopped) schedule(Date.now(), rotated.expiresAt);
    } catch (error) {
      logger.warn({ err: error }, "could not rotate the factory token; retrying in a minute");
      if (!stopped) {
        timer = setTimeout(() => void rotate(), 60_000);
        timer.unref();
      }
    }
  };
  schedule(Date.now(), enrollment.expiresAt);
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}

/** A clean exit: the coordinator forgets this factory (and revokes an enrolled token). Best effort
 * and short (3 s): after a drain it must fit in what is left of the platform's grace period, and a
 * factory that could not deregister disappears anyway when its record's time to live runs out. */
export async function leaveFleet(identity: FactoryIdentity, coordinatorUrl: string, logger: Logger): Promise<void> {
  const result = await deregisterFactory({ coordinatorUrl, token: identity.token, factoryId: identity.factoryId, retryForMs: 3000, timeoutMs: 3000 });
  if ("failed" in result) logger.warn({ reason: result.failed }, "could not deregister; the factory's record expires on its own");
  else logger.info({ removed: result.removed, tokenRevoked: result.tokenRevoked }, "deregistered");
}

export { EnrollmentError };
