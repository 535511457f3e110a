import { type BrokerState, EntityNotFound } from "./broker-state.js";
import type { MessageQueue, StoredMessage } from "./entities.js";
import { decodeBatch } from "./batch-envelope.js";
import { lockTokenFromWire } from "./lock-token.js";
import { makeRule } from "./rules.js";
import type { CorrelationFilterSpec } from "./rules.js";
import { type AmqpMessage, rhea } from "./rhea-internals.js";

type Reply = AmqpMessage;

const ok = (body?: unknown): Reply => ({ application_properties: { statusCode: 200, statusDescription: "OK" }, ...(body === undefined ? {} : { body }) });
const fail = (statusCode: number, condition: string, description: string): Reply => ({
  application_properties: { statusCode, statusDescription: description, "error-condition": condition },
});
const LOCK_LOST = () => fail(410, "com.microsoft:message-lock-lost", "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.");

/**
 * The `$management` node of an entity: renew-lock, update-disposition (settlement when the
 * receiving link is gone), peek, schedule and cancel-scheduled, add/remove rule. Replies carry
 * `statusCode`/`statusDescription` (camel case) as the SDK expects; 204 means "no messages".
 */
export function handleManagementRequest(state: BrokerState, entity: string, request: AmqpMessage): Reply {
  const operation = String(request.application_properties?.operation ?? "");
  const body = (request.body ?? {}) as Record<string, unknown>;
  try {
    switch (operation) {
      case "com.microsoft:renew-lock":
        return renewLocks(state.queueAt(entity), body, state.now());
      case "com.microsoft:update-disposition":
        return updateDisposition(state, state.queueAt(entity), body);
      case "com.microsoft:peek-message":
        return peek(state.queueAt(entity), body);
      case "com.microsoft:schedule-message":
        return schedule(state, entity, body);
      case "com.microsoft:cancel-scheduled-message": {
        for (const sequenceNumber of asArray(body["sequence-numbers"])) state.cancelScheduled(entity, toNumber(sequenceNumber));
        return ok();
      }
      case "com.microsoft:add-rule":
        return addRule(state, entity, body);
      case "com.microsoft:remove-rule": {
        const subscription = state.queueAt(entity).subscription;
        const name = String(body["rule-name"]);
        if (!subscription.rules.delete(name)) return fail(404, "com.microsoft:entity-not-found", `rule '${name}' not found`);
        state.changed();
        return ok();
      }
      case "com.microsoft:enumerate-rules":
        // Listing rules over AMQP is not emulated; the administration client's listRules is.
        return { application_properties: { statusCode: 204, statusDescription: "No Content" } };
      default:
        return fail(501, "amqp:not-implemented", `operation '${operation}' is not emulated by the local broker`);
    }
  } catch (error) {
    if (error instanceof EntityNotFound) return fail(404, "amqp:not-found", error.message);
    return fail(500, "amqp:internal-error", error instanceof Error ? error.message : String(error));
  }
}

function renewLocks(queue: MessageQueue, body: Record<string, unknown>, now: number): Reply {
  const expirations: Date[] = [];
  for (const raw of asArray(body["lock-tokens"])) {
    const token = lockTokenFromWire(raw);
    const until = token === undefined ? undefined : queue.renew(token, now);
    if (until === undefined) return LOCK_LOST();
    expirations.push(new Date(until));
  }
  return ok({ expirations });
}

function updateDisposition(state: BrokerState, queue: MessageQueue, body: Record<string, unknown>): Reply {
  const status = String(body["disposition-status"]);
  const now = state.now();
  const properties = body["properties-to-modify"] as Record<string, unknown> | undefined;
  for (const raw of asArray(body["lock-tokens"])) {
    const token = lockTokenFromWire(raw);
    if (token === undefined) return LOCK_LOST();
    let outcome: "ok" | "lock-lost";
    if (status === "completed") outcome = queue.complete(token, now);
    else if (status === "abandoned" || status === "defered") outcome = queue.abandon(token, now, properties);
    else if (status === "suspended") {
      outcome = queue.deadLetterMessage(token, now, optionalString(body["deadletter-reason"]), optionalString(body["deadletter-description"]), properties);
    } else return fail(400, "amqp:invalid-field", `unknown disposition-status '${status}'`);
    if (outcome === "lock-lost") return LOCK_LOST();
  }
  state.notify(queue);
  return ok();
}

function peek(queue: MessageQueue, body: Record<string, unknown>): Reply {
  const from = toNumber(body["from-sequence-number"]);
  const count = toNumber(body["message-count"]);
  const found: StoredMessage[] = [];
  for (const message of queue.messages.values()) {
    if (message.sequenceNumber >= from) found.push(message);
    if (found.length >= count) break;
  }
  if (found.length === 0) return { application_properties: { statusCode: 204, statusDescription: "No Content" } };
  const messages = found.map((stored) => ({
    message: rhea.message.encode({
      ...stored.message,
      delivery_count: stored.deliveryCount,
      message_annotations: {
        ...(stored.message.message_annotations ?? {}),
        "x-opt-sequence-number": rhea.types.wrap_long(stored.sequenceNumber),
        "x-opt-enqueued-time": new Date(stored.enqueuedAt),
      },
    }),
  }));
  return ok({ messages });
}

function schedule(state: BrokerState, topic: string, body: Record<string, unknown>): Reply {
  const sequenceNumbers: number[] = [];
  for (const entry of asArray(body.messages)) {
    const encoded = (entry as { message?: unknown }).message;
    if (!Buffer.isBuffer(encoded)) return fail(400, "amqp:invalid-field", "schedule-message entries need an encoded 'message'");
    for (const message of decodeBatchOrSingle(encoded)) {
      const sequenceNumber = state.publish(topic, message);
      sequenceNumbers.push(sequenceNumber ?? 0);
    }
  }
  return ok({ "sequence-numbers": rhea.types.wrap_array(sequenceNumbers, 0x81) });
}

function decodeBatchOrSingle(encoded: Buffer): AmqpMessage[] {
  const single = rhea.message.decode(encoded);
  return single.body !== undefined || single.message_id !== undefined ? [single] : decodeBatch(encoded);
}

function addRule(state: BrokerState, entity: string, body: Record<string, unknown>): Reply {
  const subscription = state.queueAt(entity).subscription;
  const name = String(body["rule-name"]);
  if (subscription.rules.has(name)) return fail(409, "com.microsoft:entity-already-exists", `rule '${name}' already exists`);
  const description = (body["rule-description"] ?? {}) as Record<string, unknown>;
  const sql = description["sql-filter"] as { expression?: string } | undefined;
  const correlation = description["correlation-filter"] as Record<string, unknown> | undefined;
  try {
    if (sql?.expression !== undefined) subscription.rules.set(name, makeRule(name, { kind: "sql", expression: sql.expression }));
    else if (correlation !== undefined) subscription.rules.set(name, makeRule(name, { kind: "correlation", spec: correlationSpec(correlation) }));
    else return fail(400, "amqp:invalid-field", "rule-description needs a sql-filter or a correlation-filter");
  } catch (error) {
    return fail(400, "com.microsoft:argument-error", `invalid filter: ${error instanceof Error ? error.message : String(error)}`);
  }
  state.changed();
  return ok();
}

function correlationSpec(raw: Record<string, unknown>): CorrelationFilterSpec {
  const spec: CorrelationFilterSpec = {};
  const pick = (key: string) => optionalString(raw[key]);
  const fields: [keyof CorrelationFilterSpec, string][] = [
    ["correlationId", "correlation-id"],
    ["messageId", "message-id"],
    ["to", "to"],
    ["replyTo", "reply-to"],
    ["label", "label"],
    ["sessionId", "session-id"],
    ["replyToSessionId", "reply-to-session-id"],
    ["contentType", "content-type"],
  ];
  for (const [field, key] of fields) {
    const value = pick(key);
    if (value !== undefined) (spec as Record<string, unknown>)[field] = value;
  }
  if (raw.properties !== undefined && raw.properties !== null) spec.properties = raw.properties as Record<string, string | number | boolean>;
  return spec;
}

function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (Buffer.isBuffer(value)) return Number(value.readBigInt64BE());
  return Number(value);
}

function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}
