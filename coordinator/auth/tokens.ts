import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A bearer token as presented: `<credential id>.<secret>`; the secret is hashed at once. */
export interface PresentedToken {
  credentialId: string;
  digest: Buffer;
}

/** A secret a credential accepts: its sha256, and for a rotated-out one the instant it stops. */
export interface AcceptedSecret {
  hash: Buffer;
  notAfter?: number;
}

const BEARER = /^Bearer ([A-Za-z0-9._:-]{1,200})\.([A-Za-z0-9_-]{16,200})$/;
/** How many secrets a credential may hold at once (the current one and, during a grace period, the previous). */
const SLOTS = 2;
const ZERO = Buffer.alloc(32);

/** Mints a new token for `id`: returns the bearer token (shown once) and the hash to store.
 * 24 random bytes: 192 bits, more than the 128 the security rules ask for. */
export function mintToken(id: string): { token: string; secretSha256: string } {
  const secret = randomBytes(24).toString("base64url");
  return { token: `${id}.${secret}`, secretSha256: sha256Hex(secret) };
}

export function sha256Hex(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Splits an Authorization header; undefined when it is missing or not a bearer token of ours. */
export function parseBearer(authorization: string | undefined): PresentedToken | undefined {
  const match = BEARER.exec(authorization ?? "");
  if (match === null) return undefined;
  return { credentialId: match[1]!, digest: createHash("sha256").update(match[2]!).digest() };
}

/**
 * Whether `digest` matches one of the secrets still valid at `now`. Always compares against every
 * slot (padding with zeros) in constant time, so timing reveals neither which slot matched nor
 * whether the credential exists.
 */
export function secretMatches(digest: Buffer, secrets: readonly AcceptedSecret[], now: number): boolean {
  let matched = false;
  for (let i = 0; i < SLOTS; i++) {
    const secret = secrets[i];
    const equal = timingSafeEqual(digest, secret?.hash ?? ZERO);
    if (equal && secret !== undefined && (secret.notAfter === undefined || now < secret.notAfter)) matched = true;
  }
  return matched;
}
