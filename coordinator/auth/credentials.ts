import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { Id } from "../../contracts/index.js";
import type { FactoryPrincipal, OperatorPrincipal, Principal } from "./principal.js";

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "must be the lower-case hex sha256 of the secret");
const ProductScope = z.union([Id, z.literal("*")]);

export const CredentialsFile = z
  .object({
    operators: z
      .array(z.object({ id: Id, productId: ProductScope, secretSha256: Sha256Hex, revoked: z.boolean().default(false) }).strict())
      .default([]),
    factories: z
      .array(
        z
          .object({
            id: Id,
            productId: ProductScope,
            pool: Id,
            /** Binds the token to one factory instance; without it the caller names its instance in X-Factory-Id. */
            factoryId: Id.optional(),
            secretSha256: Sha256Hex,
            revoked: z.boolean().default(false),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();
export type CredentialsFile = z.infer<typeof CredentialsFile>;

type Entry =
  | { kind: "operator"; id: string; productId: string; hash: Buffer; revoked: boolean }
  | { kind: "factory"; id: string; productId: string; pool: string; factoryId?: string; hash: Buffer; revoked: boolean };

export type AuthFailure = { code: "UNAUTHENTICATED" | "FORBIDDEN"; message: string };

/**
 * Credentials: `<credential id>.<secret>` bearer tokens. Only the sha256 of each secret is kept,
 * the comparison is constant-time, and no token is ever logged. Replacing the file's content
 * (`replace`) rotates and revokes without a restart.
 */
export class CredentialRegistry {
  private entries = new Map<string, Entry>();

  constructor(file: CredentialsFile = { operators: [], factories: [] }) {
    this.replace(file);
  }

  replace(file: CredentialsFile): void {
    const entries = new Map<string, Entry>();
    for (const op of file.operators) {
      entries.set(op.id, { kind: "operator", id: op.id, productId: op.productId, hash: Buffer.from(op.secretSha256, "hex"), revoked: op.revoked });
    }
    for (const f of file.factories) {
      if (entries.has(f.id)) throw new Error(`credential id '${f.id}' is used twice`);
      entries.set(f.id, {
        kind: "factory",
        id: f.id,
        productId: f.productId,
        pool: f.pool,
        ...(f.factoryId === undefined ? {} : { factoryId: f.factoryId }),
        hash: Buffer.from(f.secretSha256, "hex"),
        revoked: f.revoked,
      });
    }
    this.entries = entries;
  }

  revoke(id: string): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    entry.revoked = true;
    return true;
  }

  /** Resolves an Authorization header (and, for pool tokens, the X-Factory-Id header). */
  authenticate(authorization: string | undefined, factoryIdHeader: string | undefined): Principal | AuthFailure {
    const match = /^Bearer ([A-Za-z0-9._:-]{1,200})\.([A-Za-z0-9_-]{16,200})$/.exec(authorization ?? "");
    if (match === null) return { code: "UNAUTHENTICATED", message: "missing or malformed bearer token" };
    const entry = this.entries.get(match[1]!);
    const presented = createHash("sha256").update(match[2]!).digest();
    // Compare even for unknown ids so timing does not reveal which ids exist.
    const expected = entry?.hash ?? Buffer.alloc(32);
    const equal = timingSafeEqual(presented, expected);
    if (entry === undefined || !equal || entry.revoked) return { code: "UNAUTHENTICATED", message: "unknown, wrong or revoked token" };
    if (entry.kind === "operator") {
      const principal: OperatorPrincipal = { kind: "operator", credentialId: entry.id, productId: entry.productId };
      return principal;
    }
    const factoryId = entry.factoryId ?? factoryIdHeader;
    if (factoryId === undefined || !Id.safeParse(factoryId).success) {
      return { code: "UNAUTHENTICATED", message: "a pool token needs the factory instance id in the X-Factory-Id header" };
    }
    if (entry.factoryId !== undefined && factoryIdHeader !== undefined && factoryIdHeader !== entry.factoryId) {
      return { code: "FORBIDDEN", message: "X-Factory-Id does not match the factory this token belongs to" };
    }
    const principal: FactoryPrincipal = { kind: "factory", credentialId: entry.id, productId: entry.productId, pool: entry.pool, factoryId };
    return principal;
  }
}

/** Mints a new token for `id`: returns the bearer token (shown once) and the hash to store. */
export function mintToken(id: string): { token: string; secretSha256: string } {
  const secret = randomBytes(24).toString("base64url");
  return { token: `${id}.${secret}`, secretSha256: createHash("sha256").update(secret).digest("hex") };
}
