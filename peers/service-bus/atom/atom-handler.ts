import type { IncomingMessage, ServerResponse } from "node:http";
import { parseXML } from "@azure/core-xml";
import { type BrokerState, EntityExists, EntityNotFound } from "../broker-state.js";
import type { Subscription, SubscriptionSettings, TopicSettings } from "../entities.js";
import { DEFAULT_RULE_NAME, type FilterSpec, makeRule, type Rule } from "../rules.js";
import { EMPTY_FEED, entry, errorBody, feed, ruleDescription, subscriptionDescription, topicDescription } from "./atom-xml.js";
import { parseIsoDuration } from "../../../contracts/iso-duration.js";

type Xml = Record<string, unknown>;

/**
 * The administration endpoint (ATOM XML over HTTP) that `ServiceBusAdministrationClient` calls:
 * topics, subscriptions and rules (create, get, update with If-Match: *, delete, list), with
 * runtime counts in each subscription's CountDetails. A missing entity answers with an empty
 * feed, as Service Bus does.
 */
export async function handleAtomRequest(state: BrokerState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? "/", "http://localhost");
  const base = `https://${request.headers.host ?? "localhost"}`;
  const parts = url.pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
  const send = (status: number, body: string) => {
    response.writeHead(status, { "content-type": "application/atom+xml;type=entry;charset=utf-8" });
    response.end(body);
  };
  try {
    if (request.headers.authorization === undefined) return send(401, errorBody(401, "Missing Authorization header (SharedAccessSignature)."));
    const body = request.method === "PUT" ? await readBody(request) : "";
    const isUpdate = request.headers["if-match"] === "*";
    const now = state.now();
    // /topic
    if (parts.length === 1) {
      const name = parts[0]!;
      if (request.method === "PUT") {
        const settings = topicSettingsOf(await contentOf(body, "TopicDescription"));
        const topic = isUpdate ? Object.assign(state.topic(name), {}) : state.createTopic(name, settings);
        if (isUpdate) {
          topic.settings = { ...topic.settings, ...settings };
          topic.updatedAt = now;
          state.changed();
        }
        return send(isUpdate ? 200 : 201, entry(base, name, name, topicDescription(topic, 0, 0), topic.updatedAt));
      }
      if (request.method === "DELETE") {
        state.topic(name);
        state.topics.delete(name);
        state.changed();
        return send(200, "");
      }
      const topic = state.topics.get(name);
      if (topic === undefined) return send(200, EMPTY_FEED);
      return send(200, entry(base, name, name, topicDescription(topic, 0, 0), topic.updatedAt));
    }
    // /topic/Subscriptions
    if (parts.length === 2 && parts[1]!.toLowerCase() === "subscriptions") {
      const topic = state.topic(parts[0]!);
      const entries = [...topic.subscriptions.values()].map((s) => entry(base, s.path, s.name, subscriptionDescription(s, now), s.updatedAt));
      return send(200, feed(base, `${topic.name}/Subscriptions`, entries));
    }
    // /topic/Subscriptions/sub
    if (parts.length === 3 && parts[1]!.toLowerCase() === "subscriptions") {
      const [topicName, , name] = parts as [string, string, string];
      if (request.method === "PUT") {
        const content = await contentOf(body, "SubscriptionDescription");
        const settings = subscriptionSettingsOf(content);
        let subscription: Subscription;
        if (isUpdate) {
          subscription = state.subscription(topicName, name);
          subscription.settings = { ...subscription.settings, ...settings };
          subscription.updatedAt = now;
          state.changed();
        } else {
          subscription = state.createSubscription(topicName, name, settings);
          const defaultRule = content.DefaultRuleDescription as Xml | undefined;
          if (defaultRule !== undefined) {
            subscription.rules.clear();
            const ruleName = String(defaultRule.Name ?? DEFAULT_RULE_NAME);
            subscription.rules.set(ruleName, makeRule(ruleName, filterOf(defaultRule.Filter as Xml | undefined)));
          }
        }
        return send(isUpdate ? 200 : 201, entry(base, subscription.path, name, subscriptionDescription(subscription, now), subscription.updatedAt));
      }
      if (request.method === "DELETE") {
        state.subscription(topicName, name);
        state.topic(topicName).subscriptions.delete(name);
        state.changed();
        return send(200, "");
      }
      const subscription = state.topics.get(topicName)?.subscriptions.get(name);
      if (subscription === undefined) return send(200, EMPTY_FEED);
      return send(200, entry(base, subscription.path, name, subscriptionDescription(subscription, now), subscription.updatedAt));
    }
    // /topic/Subscriptions/sub/Rules[/rule]
    if ((parts.length === 4 || parts.length === 5) && parts[1]!.toLowerCase() === "subscriptions" && parts[3]!.toLowerCase() === "rules") {
      const subscription = state.subscription(parts[0]!, parts[2]!);
      if (parts.length === 4) {
        const entries = [...subscription.rules.values()].map((rule) =>
          entry(base, `${subscription.path}/Rules/${rule.name}`, rule.name, ruleDescription(rule, subscription.createdAt), subscription.updatedAt),
        );
        return send(200, feed(base, `${subscription.path}/Rules`, entries));
      }
      const ruleName = parts[4]!;
      if (request.method === "PUT") {
        const content = await contentOf(body, "RuleDescription");
        if (!isUpdate && subscription.rules.has(ruleName)) return send(409, errorBody(409, `The messaging entity '${subscription.path}/Rules/${ruleName}' already exists.`));
        let rule: Rule;
        try {
          rule = makeRule(ruleName, filterOf(content.Filter as Xml | undefined));
        } catch (error) {
          return send(400, errorBody(400, `Invalid filter: ${error instanceof Error ? error.message : String(error)}`));
        }
        subscription.rules.set(ruleName, rule);
        state.changed();
        return send(isUpdate ? 200 : 201, entry(base, `${subscription.path}/Rules/${ruleName}`, ruleName, ruleDescription(rule, now), now));
      }
      if (request.method === "DELETE") {
        if (!subscription.rules.delete(ruleName)) return send(404, errorBody(404, `Rule '${ruleName}' not found.`));
        state.changed();
        return send(200, "");
      }
      const rule = subscription.rules.get(ruleName);
      if (rule === undefined) return send(200, EMPTY_FEED);
      return send(200, entry(base, `${subscription.path}/Rules/${ruleName}`, ruleName, ruleDescription(rule, subscription.createdAt), subscription.updatedAt));
    }
    return send(404, errorBody(404, `No such administration resource: ${url.pathname}`));
  } catch (error) {
    if (error instanceof EntityExists) return send(409, errorBody(409, error.message));
    if (error instanceof EntityNotFound) return send(404, errorBody(404, error.message));
    return send(400, errorBody(400, error instanceof Error ? error.message : String(error)));
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function contentOf(body: string, root: string): Promise<Xml> {
  if (body.trim() === "") return {};
  const parsed = (await parseXML(body, { includeRoot: true })) as Xml;
  const content = ((parsed.entry as Xml | undefined)?.content as Xml | undefined)?.[root];
  return typeof content === "object" && content !== null ? (content as Xml) : {};
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "object") return text((value as Xml)._);
  return String(value);
}

function topicSettingsOf(content: Xml): Partial<TopicSettings> {
  const settings: Partial<TopicSettings> = {};
  const dup = text(content.RequiresDuplicateDetection);
  if (dup !== undefined) settings.requiresDuplicateDetection = dup === "true";
  const window = text(content.DuplicateDetectionHistoryTimeWindow);
  if (window !== undefined) settings.duplicateDetectionWindowMs = parseIsoDuration(window);
  const size = text(content.MaxSizeInMegabytes);
  if (size !== undefined) settings.maxSizeInMegabytes = Number(size);
  const ttl = text(content.DefaultMessageTimeToLive);
  if (ttl !== undefined && !ttl.startsWith("P10675199D")) settings.defaultMessageTtlMs = parseIsoDuration(ttl);
  return settings;
}

function subscriptionSettingsOf(content: Xml): Partial<SubscriptionSettings> {
  const settings: Partial<SubscriptionSettings> = {};
  const lock = text(content.LockDuration);
  if (lock !== undefined) settings.lockDurationMs = parseIsoDuration(lock);
  const max = text(content.MaxDeliveryCount);
  if (max !== undefined) settings.maxDeliveryCount = Number(max);
  const dl = text(content.DeadLetteringOnMessageExpiration);
  if (dl !== undefined) settings.deadLetteringOnMessageExpiration = dl === "true";
  const ttl = text(content.DefaultMessageTimeToLive);
  if (ttl !== undefined && !ttl.startsWith("P10675199D")) settings.defaultMessageTtlMs = parseIsoDuration(ttl);
  return settings;
}

/** Reads a Filter element (SqlFilter, TrueFilter, FalseFilter or CorrelationFilter). */
function filterOf(filter: Xml | undefined): FilterSpec {
  if (filter === undefined) return { kind: "true" };
  const sql = text(filter.SqlExpression);
  if (sql !== undefined) return { kind: "sql", expression: sql };
  const properties: Record<string, string | number | boolean> = {};
  const raw = (filter.Properties as Xml | undefined)?.KeyValueOfstringanyType;
  for (const pair of (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) as Xml[]) {
    const key = text(pair.Key);
    const valueNode = pair.Value as Xml | string | undefined;
    const value = text(valueNode) ?? "";
    const type = typeof valueNode === "object" && valueNode !== null ? String(((valueNode as Xml).$ as Xml | undefined)?.["i:type"] ?? "") : "";
    if (key === undefined) continue;
    properties[key] = /double|int|long/.test(type) ? Number(value) : /boolean/.test(type) ? value === "true" : value;
  }
  const spec: Record<string, unknown> = {};
  const fields: [string, string][] = [
    ["correlationId", "CorrelationId"],
    ["messageId", "MessageId"],
    ["to", "To"],
    ["replyTo", "ReplyTo"],
    ["label", "Label"],
    ["sessionId", "SessionId"],
    ["replyToSessionId", "ReplyToSessionId"],
    ["contentType", "ContentType"],
  ];
  for (const [field, element] of fields) {
    const value = text(filter[element]);
    if (value !== undefined) spec[field] = value;
  }
  if (Object.keys(properties).length > 0) spec.properties = properties;
  return { kind: "correlation", spec };
}
