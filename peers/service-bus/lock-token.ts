import { randomUUID } from "node:crypto";

/** A new lock token (a uuid in its ordinary string form, as the SDK sends it back). */
export function newLockToken(): string {
  return randomUUID();
}

/** The delivery tag carrying a lock token: the 16 uuid bytes in .NET GUID order (the first
 * three groups byte-reversed), which is what the SDK expects and reverses back. */
export function lockTokenToDeliveryTag(token: string): Buffer {
  const bytes = Buffer.from(token.replace(/-/g, ""), "hex");
  return Buffer.concat([reverse(bytes.subarray(0, 4)), reverse(bytes.subarray(4, 6)), reverse(bytes.subarray(6, 8)), bytes.subarray(8)]);
}

/** A lock token as the SDK sends it in $management requests: a 16-byte uuid in ordinary order,
 * or already a string. */
export function lockTokenFromWire(value: unknown): string | undefined {
  if (typeof value === "string") return value.toLowerCase();
  if (Buffer.isBuffer(value) && value.length === 16) {
    const hex = value.toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return undefined;
}

function reverse(buffer: Buffer): Buffer {
  return Buffer.from(buffer).reverse();
}
