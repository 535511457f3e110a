import { describe, expect, it } from "vitest";
import { mintToken, parseBearer, secretMatches } from "./tokens.js";

describe("bearer tokens", () => {
  it("mint 192-bit secrets and keep only their sha256", () => {
    const minted = mintToken("factory:f-1");
    const [id, secret] = [minted.token.slice(0, minted.token.lastIndexOf(".")), minted.token.slice(minted.token.lastIndexOf(".") + 1)];
    expect(id).toBe("factory:f-1");
    expect(Buffer.from(secret!, "base64url")).toHaveLength(24);
    expect(minted.secretSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(minted.secretSha256).not.toContain(secret);
  });

  it("split at the last dot, so credential ids may contain dots", () => {
    const minted = mintToken("a.b.c");
    expect(parseBearer(`Bearer ${minted.token}`)?.credentialId).toBe("a.b.c");
    expect(parseBearer(minted.token)).toBeUndefined();
    expect(parseBearer("Bearer short.abc")).toBeUndefined();
  });

  it("match the current secret and a previous one only until its notAfter", () => {
    const current = mintToken("x");
    const previous = mintToken("x");
    const secrets = [
      { hash: Buffer.from(current.secretSha256, "hex") },
      { hash: Buffer.from(previous.secretSha256, "hex"), notAfter: 1000 },
    ];
    const digest = (token: string) => parseBearer(`Bearer ${token}`)!.digest;
    expect(secretMatches(digest(current.token), secrets, 5000)).toBe(true);
    expect(secretMatches(digest(previous.token), secrets, 999)).toBe(true);
    expect(secretMatches(digest(previous.token), secrets, 1000)).toBe(false);
    expect(secretMatches(digest(mintToken("x").token), secrets, 0)).toBe(false);
    expect(secretMatches(digest(current.token), [], 0)).toBe(false);
  });
});
