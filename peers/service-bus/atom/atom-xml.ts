import type { Subscription, Topic } from "../entities.js";
import type { Rule } from "../rules.js";
import { formatIsoDuration } from "../../../contracts/iso-duration.js";

const SB_NS = "http://schemas.microsoft.com/netservices/2010/10/servicebus/connect";
const XSI_NS = "http://www.w3.org/2001/XMLSchema-instance";
const COUNT_NS = "http://schemas.microsoft.com/netservices/2011/06/servicebus";

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const iso = (ms: number) => new Date(ms).toISOString();

/** An Atom entry; the SDK reads the entity's names back from `<id>`. */
export function entry(base: string, path: string, title: string, content: string, updated: number): string {
  return (
    `<entry xmlns="http://www.w3.org/2005/Atom"><id>${escapeXml(`${base}/${path}?api-version=2021-05`)}</id>` +
    `<title type="text">${escapeXml(title)}</title><updated>${iso(updated)}</updated>` +
    `<content type="application/xml">${content}</content></entry>`
  );
}

export function feed(base: string, path: string, entries: string[]): string {
  return `<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">${escapeXml(path)}</title><id>${escapeXml(`${base}/${path}`)}</id><updated>${iso(Date.now())}</updated>${entries.join("")}</feed>`;
}

export const EMPTY_FEED = `<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">Publicly Listed Services</title><id>uuid:local</id><updated>${new Date(0).toISOString()}</updated></feed>`;

export function topicDescription(topic: Topic, sizeInBytes: number, scheduled: number): string {
  const s = topic.settings;
  return (
    `<TopicDescription xmlns="${SB_NS}" xmlns:i="${XSI_NS}">` +
    `<DefaultMessageTimeToLive>${formatIsoDuration(s.defaultMessageTtlMs)}</DefaultMessageTimeToLive>` +
    `<MaxSizeInMegabytes>${s.maxSizeInMegabytes}</MaxSizeInMegabytes>` +
    `<RequiresDuplicateDetection>${s.requiresDuplicateDetection}</RequiresDuplicateDetection>` +
    `<DuplicateDetectionHistoryTimeWindow>${formatIsoDuration(s.duplicateDetectionWindowMs)}</DuplicateDetectionHistoryTimeWindow>` +
    `<EnableBatchedOperations>true</EnableBatchedOperations><SizeInBytes>${sizeInBytes}</SizeInBytes>` +
    `<FilteringMessagesBeforePublishing>false</FilteringMessagesBeforePublishing><IsAnonymousAccessible>false</IsAnonymousAccessible>` +
    `<AuthorizationRules/><Status>Active</Status><CreatedAt>${iso(topic.createdAt)}</CreatedAt><UpdatedAt>${iso(topic.updatedAt)}</UpdatedAt>` +
    `<AccessedAt>${iso(topic.updatedAt)}</AccessedAt><SupportOrdering>true</SupportOrdering>` +
    `<CountDetails xmlns:d2p1="${COUNT_NS}"><d2p1:ActiveMessageCount>0</d2p1:ActiveMessageCount><d2p1:DeadLetterMessageCount>0</d2p1:DeadLetterMessageCount>` +
    `<d2p1:ScheduledMessageCount>${scheduled}</d2p1:ScheduledMessageCount><d2p1:TransferMessageCount>0</d2p1:TransferMessageCount>` +
    `<d2p1:TransferDeadLetterMessageCount>0</d2p1:TransferDeadLetterMessageCount></CountDetails>` +
    `<SubscriptionCount>${topic.subscriptions.size}</SubscriptionCount><AutoDeleteOnIdle>P10675199DT2H48M5.4775807S</AutoDeleteOnIdle>` +
    `<EnablePartitioning>false</EnablePartitioning><EntityAvailabilityStatus>Available</EntityAvailabilityStatus>` +
    `<EnableSubscriptionPartitioning>false</EnableSubscriptionPartitioning><EnableExpress>false</EnableExpress>` +
    `<MaxMessageSizeInKilobytes>1024</MaxMessageSizeInKilobytes></TopicDescription>`
  );
}

export function subscriptionDescription(subscription: Subscription, now: number): string {
  const s = subscription.settings;
  const main = subscription.main.counts(now);
  const total = main.active + main.scheduled + subscription.dlq.messages.size;
  return (
    `<SubscriptionDescription xmlns="${SB_NS}" xmlns:i="${XSI_NS}">` +
    `<LockDuration>${formatIsoDuration(s.lockDurationMs)}</LockDuration><RequiresSession>false</RequiresSession>` +
    `<DefaultMessageTimeToLive>${formatIsoDuration(s.defaultMessageTtlMs)}</DefaultMessageTimeToLive>` +
    `<DeadLetteringOnMessageExpiration>${s.deadLetteringOnMessageExpiration}</DeadLetteringOnMessageExpiration>` +
    `<DeadLetteringOnFilterEvaluationExceptions>true</DeadLetteringOnFilterEvaluationExceptions>` +
    `<MessageCount>${total}</MessageCount><MaxDeliveryCount>${s.maxDeliveryCount}</MaxDeliveryCount>` +
    `<EnableBatchedOperations>true</EnableBatchedOperations><Status>Active</Status>` +
    `<CreatedAt>${iso(subscription.createdAt)}</CreatedAt><UpdatedAt>${iso(subscription.updatedAt)}</UpdatedAt><AccessedAt>${iso(subscription.accessedAt)}</AccessedAt>` +
    `<CountDetails xmlns:d2p1="${COUNT_NS}"><d2p1:ActiveMessageCount>${main.active}</d2p1:ActiveMessageCount>` +
    `<d2p1:DeadLetterMessageCount>${subscription.dlq.messages.size}</d2p1:DeadLetterMessageCount><d2p1:ScheduledMessageCount>${main.scheduled}</d2p1:ScheduledMessageCount>` +
    `<d2p1:TransferMessageCount>0</d2p1:TransferMessageCount><d2p1:TransferDeadLetterMessageCount>0</d2p1:TransferDeadLetterMessageCount></CountDetails>` +
    `<AutoDeleteOnIdle>P10675199DT2H48M5.4775807S</AutoDeleteOnIdle><EntityAvailabilityStatus>Available</EntityAvailabilityStatus></SubscriptionDescription>`
  );
}

export function ruleDescription(rule: Rule, createdAt: number): string {
  let filter: string;
  const f = rule.filter;
  if (f.kind === "true") filter = `<Filter i:type="TrueFilter"><SqlExpression>1=1</SqlExpression><CompatibilityLevel>20</CompatibilityLevel></Filter>`;
  else if (f.kind === "false") filter = `<Filter i:type="FalseFilter"><SqlExpression>1=0</SqlExpression><CompatibilityLevel>20</CompatibilityLevel></Filter>`;
  else if (f.kind === "sql") filter = `<Filter i:type="SqlFilter"><SqlExpression>${escapeXml(f.expression)}</SqlExpression><CompatibilityLevel>20</CompatibilityLevel></Filter>`;
  else {
    const spec = f.spec;
    const simple: [string, string | undefined][] = [
      ["CorrelationId", spec.correlationId],
      ["MessageId", spec.messageId],
      ["To", spec.to],
      ["ReplyTo", spec.replyTo],
      ["Label", spec.label],
      ["SessionId", spec.sessionId],
      ["ReplyToSessionId", spec.replyToSessionId],
      ["ContentType", spec.contentType],
    ];
    const fields = simple.filter(([, v]) => v !== undefined).map(([k, v]) => `<${k}>${escapeXml(v!)}</${k}>`).join("");
    const properties = Object.entries(spec.properties ?? {})
      .map(([key, value]) => {
        const type = typeof value === "number" ? (Number.isInteger(value) ? "int" : "double") : typeof value === "boolean" ? "boolean" : "string";
        return `<KeyValueOfstringanyType><Key>${escapeXml(key)}</Key><Value i:type="d6p1:${type}" xmlns:d6p1="http://www.w3.org/2001/XMLSchema">${escapeXml(String(value))}</Value></KeyValueOfstringanyType>`;
      })
      .join("");
    filter = `<Filter i:type="CorrelationFilter">${fields}<Properties>${properties}</Properties></Filter>`;
  }
  return (
    `<RuleDescription xmlns="${SB_NS}" xmlns:i="${XSI_NS}">${filter}<Action i:type="EmptyRuleAction"/>` +
    `<CreatedAt>${iso(createdAt)}</CreatedAt><Name>${escapeXml(rule.name)}</Name></RuleDescription>`
  );
}

export function errorBody(code: number, detail: string): string {
  return `<Error><Code>${code}</Code><Detail>${escapeXml(detail)}</Detail></Error>`;
}
