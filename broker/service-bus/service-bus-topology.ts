import type { CorrelationRuleFilter, RuleProperties, ServiceBusAdministrationClient, SqlRuleFilter } from "@azure/service-bus";
import { formatIsoDuration, parseIsoDuration } from "../../contracts/iso-duration.js";
import { BrokerError, type BrokerTopology, type SubscriptionSpec } from "../port.js";

/** The one rule every pool subscription has: its correlation filter. */
export const POOL_RULE_NAME = "pool";

/**
 * Applies a topology through the administration client. Idempotent: it reads first and writes only
 * what differs, so a second call changes nothing; a concurrent creator (409) is tolerated.
 */
export async function applyTopology(admin: ServiceBusAdministrationClient, topology: BrokerTopology): Promise<void> {
  await ensureTopic(admin, topology);
  for (const spec of topology.subscriptions) {
    const created = await ensureSubscription(admin, topology.topic, spec);
    if (!created) await ensurePoolRule(admin, topology.topic, spec);
  }
}

async function ensureTopic(admin: ServiceBusAdministrationClient, topology: BrokerTopology): Promise<void> {
  const window = formatIsoDuration(topology.duplicateDetectionWindowMs);
  if (!(await admin.topicExists(topology.topic))) {
    const created = await ifNotConflict(() => admin.createTopic(topology.topic, { requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindow: window }));
    if (created) return;
  }
  const topic = await admin.getTopic(topology.topic);
  // Rule 2 of the design rests on duplicate detection, and Service Bus cannot switch it on later.
  if (!topic.requiresDuplicateDetection) {
    throw new BrokerError("invalid", `topic ${topology.topic} exists without duplicate detection; it must be recreated with it`);
  }
  if (parseIsoDuration(topic.duplicateDetectionHistoryTimeWindow) !== topology.duplicateDetectionWindowMs) {
    await admin.updateTopic({ ...topic, duplicateDetectionHistoryTimeWindow: window });
  }
}

/** Returns true when it created the subscription (already with its pool rule, no $Default). */
async function ensureSubscription(admin: ServiceBusAdministrationClient, topicName: string, spec: SubscriptionSpec): Promise<boolean> {
  const settings = {
    lockDuration: formatIsoDuration(spec.lockDurationMs),
    maxDeliveryCount: spec.maxDeliveryCount,
    deadLetteringOnMessageExpiration: spec.deadLetterOnExpiration,
  };
  if (!(await admin.subscriptionExists(topicName, spec.name))) {
    // defaultRuleOptions: the subscription is born with the pool rule instead of $Default (a
    // TrueFilter), so it never sees another pool's message, not even for a moment.
    const created = await ifNotConflict(() =>
      admin.createSubscription(topicName, spec.name, { ...settings, defaultRuleOptions: { name: POOL_RULE_NAME, filter: correlationFilter(spec) } }),
    );
    if (created) return true;
  }
  const current = await admin.getSubscription(topicName, spec.name);
  const differs =
    parseIsoDuration(current.lockDuration) !== spec.lockDurationMs ||
    current.maxDeliveryCount !== spec.maxDeliveryCount ||
    current.deadLetteringOnMessageExpiration !== spec.deadLetterOnExpiration;
  if (differs) await admin.updateSubscription({ ...current, ...settings });
  return false;
}

/**
 * Makes the pool rule the subscription's only rule. Other rules ($Default, a TrueFilter) go FIRST:
 * until the pool rule exists the subscription receives nothing, which the coordinator's lease
 * expiry recovers from (the job is reassigned); the other order would hand a worker another pool's
 * job. Subscriptions this adapter creates never go through this window.
 */
async function ensurePoolRule(admin: ServiceBusAdministrationClient, topicName: string, spec: SubscriptionSpec): Promise<void> {
  const rules: RuleProperties[] = [];
  for await (const rule of admin.listRules(topicName, spec.name)) rules.push(rule);
  for (const rule of rules) {
    if (rule.name !== POOL_RULE_NAME) await admin.deleteRule(topicName, spec.name, rule.name);
  }
  const pool = rules.find((rule) => rule.name === POOL_RULE_NAME);
  if (pool !== undefined && sameCorrelationFilter(pool.filter, spec)) return;
  if (pool !== undefined) await admin.deleteRule(topicName, spec.name, POOL_RULE_NAME);
  await admin.createRule(topicName, spec.name, POOL_RULE_NAME, correlationFilter(spec));
}

function correlationFilter(spec: SubscriptionSpec): CorrelationRuleFilter {
  return { applicationProperties: { ...spec.filter } };
}

function sameCorrelationFilter(filter: SqlRuleFilter | CorrelationRuleFilter, spec: SubscriptionSpec): boolean {
  if ("sqlExpression" in filter) return false;
  const { applicationProperties, ...system } = filter;
  if (Object.values(system).some((value) => value !== undefined)) return false;
  const actual = applicationProperties ?? {};
  const wanted = Object.entries(spec.filter);
  return wanted.length === Object.keys(actual).length && wanted.every(([key, value]) => actual[key] === value);
}

/** Runs a create; false when someone else created the entity first (409), so the caller updates. */
async function ifNotConflict(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (error) {
    const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
    if (statusCode === 409 || code === "MessageEntityAlreadyExistsError") return false;
    throw error;
  }
}
