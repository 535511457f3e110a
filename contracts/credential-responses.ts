import { z } from "zod";
import { CreatedEnrollmentToken, CreatedOperatorKey, DeregisteredFactory, EnrolledFactory, EnrollmentTokenView, OperatorKeyView, RevokedCredential, RotatedToken } from "./credentials-api.js";
import { FactoryList } from "./factory.js";

/**
 * What the credential and factory-registry routes answer, with an example each, for the OpenAPI
 * document and the API suite (which checks real answers against these). Times are ISO 8601; a
 * `token` is `<credential id>.<secret>`, shown once and never stored.
 */

const AT = "2026-01-31T09:30:00.000Z";

export const EnrolledFactoryResponse = EnrolledFactory.meta({
  id: "EnrolledFactory",
  description: "The factory's own token, bound to its factory id: use it as the bearer token from now on",
  example: { factoryId: "runner-1", pool: "general", productId: "acme", token: "factory:runner-1.lDO4Ykc7hq8Xw1mWb0cJ2s9Tn880vN3E", expiresAt: "2026-02-01T09:30:00.000Z" },
});

export const RotatedTokenResponse = RotatedToken.meta({
  id: "RotatedToken",
  example: { id: "factory:runner-1", token: "factory:runner-1.D54XjaPYs3j4Le9i_gmd5FgISwrDhnSM", previousTokenValidUntil: "2026-01-31T09:35:00.000Z", expiresAt: "2026-02-01T09:30:00.000Z" },
});

export const RevokedCredentialResponse = RevokedCredential.meta({
  id: "RevokedCredential",
  description: "Refused by every coordinator within a second (CREDENTIAL_STALENESS_MS)",
  example: { id: "op-2f3a038b54c8", revokedAt: AT },
});

export const DeregisteredFactoryResponse = DeregisteredFactory.meta({ id: "DeregisteredFactory", example: { factoryId: "runner-1", removed: true, tokenRevoked: true } });

export const FactoryListResponse = FactoryList.meta({
  id: "FactoryList",
  example: {
    items: [
      {
        id: "runner-1",
        pool: "general",
        productId: "acme",
        version: "0.1.0",
        seats: 2,
        load: 1,
        health: "ok",
        status: "live",
        lastHeartbeatAt: AT,
        startedAt: "2026-01-31T09:00:00.000Z",
        currentJobs: ["j-4b1c0a9e1f2d3c4b5a69788776655443"],
        credential: "enrolled",
      },
    ],
    staleAfterSeconds: 45,
  },
});

const EXAMPLE_OPERATOR_KEY = {
  id: "op-2f3a038b54c8",
  productId: "acme",
  role: "load-tester",
  source: "store",
  state: "active",
  label: "nightly load test",
  createdBy: "op-acme",
  createdAt: AT,
  rateLimit: { perSecond: 5000, burst: 10000 },
};

export const CreatedOperatorKeyResponse = CreatedOperatorKey.meta({
  id: "CreatedOperatorKey",
  example: { ...EXAMPLE_OPERATOR_KEY, token: "op-2f3a038b54c8.jm7aJ3xVTzwWKNlDpWCFNkor_hapT0CZ" },
});

export const OperatorKeyListResponse = z
  .strictObject({ items: z.array(OperatorKeyView) })
  .meta({
    id: "OperatorKeyList",
    example: { items: [{ id: "op-acme", productId: "acme", role: "operator", source: "file", state: "active", rateLimit: { perSecond: 200, burst: 400 } }, EXAMPLE_OPERATOR_KEY] },
  });

const EXAMPLE_ENROLLMENT_TOKEN = {
  id: "enroll-general-9581a60ae5d1",
  pool: "general",
  productId: "acme",
  state: "active",
  maxUses: 1,
  uses: 0,
  expiresAt: "2026-01-31T09:40:00.000Z",
  tokenTtlSeconds: 86400,
  label: "runner on my laptop",
  createdBy: "op-acme",
  createdAt: AT,
};

export const CreatedEnrollmentTokenResponse = CreatedEnrollmentToken.meta({
  id: "CreatedEnrollmentToken",
  example: { ...EXAMPLE_ENROLLMENT_TOKEN, token: "enroll-general-9581a60ae5d1.cUU2Hq0pV7mZr4sYb1kLw9dTe36lKPq" },
});

export const EnrollmentTokenListResponse = z.strictObject({ items: z.array(EnrollmentTokenView) }).meta({ id: "EnrollmentTokenList", example: { items: [EXAMPLE_ENROLLMENT_TOKEN] } });
