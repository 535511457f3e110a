import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BrokerState } from "./broker-state.js";
import type { StoredMessage } from "./entities.js";
import { makeRule, type FilterSpec } from "./rules.js";
import { rhea } from "./rhea-internals.js";

const FILE = "broker-state.json";

interface Snapshot {
  nextSequenceNumber: number;
  topics: {
    name: string;
    settings: Record<string, unknown>;
    subscriptions: {
      name: string;
      settings: Record<string, unknown>;
      rules: { name: string; filter: FilterSpec }[];
      main: PersistedMessage[];
      dlq: PersistedMessage[];
    }[];
  }[];
}

type PersistedMessage = Omit<StoredMessage, "message" | "lockToken" | "lockedUntil"> & { encoded: string };

/** Writes the broker's state (topology and messages, not locks) to `dir`, debounced and atomically
 * (write then rename), so a killed broker process loses only its locks. */
export function startSnapshots(state: BrokerState, dir: string, debounceMs = 200): () => void {
  mkdirSync(dir, { recursive: true });
  let timer: NodeJS.Timeout | undefined;
  const write = () => {
    timer = undefined;
    const tmp = join(dir, `${FILE}.tmp`);
    writeFileSync(tmp, JSON.stringify(snapshotOf(state)));
    renameSync(tmp, join(dir, FILE));
  };
  state.onChange(() => {
    timer ??= setTimeout(write, debounceMs);
  });
  return () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      write();
    }
  };
}

export function loadSnapshot(state: BrokerState, dir: string): void {
  const path = join(dir, FILE);
  if (!existsSync(path)) return;
  const snapshot = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  state.nextSequenceNumber = snapshot.nextSequenceNumber;
  for (const t of snapshot.topics) {
    const topic = state.createTopic(t.name, t.settings);
    for (const s of t.subscriptions) {
      const subscription = state.createSubscription(topic.name, s.name, s.settings);
      subscription.rules.clear();
      for (const rule of s.rules) subscription.rules.set(rule.name, makeRule(rule.name, rule.filter));
      for (const m of s.main) subscription.main.add(restore(m));
      for (const m of s.dlq) subscription.dlq.add(restore(m));
    }
  }
}

function snapshotOf(state: BrokerState): Snapshot {
  const persist = (m: StoredMessage): PersistedMessage => {
    const { message, lockToken: _token, lockedUntil: _until, ...rest } = m;
    return { ...rest, encoded: rhea.message.encode(message).toString("base64") };
  };
  return {
    nextSequenceNumber: state.nextSequenceNumber,
    topics: [...state.topics.values()].map((topic) => ({
      name: topic.name,
      settings: { ...topic.settings },
      subscriptions: [...topic.subscriptions.values()].map((s) => ({
        name: s.name,
        settings: { ...s.settings },
        rules: [...s.rules.values()].map((r) => ({ name: r.name, filter: r.filter })),
        main: [...s.main.messages.values()].map(persist),
        dlq: [...s.dlq.messages.values()].map(persist),
      })),
    })),
  };
}

function restore(m: PersistedMessage): StoredMessage {
  const { encoded, ...rest } = m;
  return { ...rest, message: rhea.message.decode(Buffer.from(encoded, "base64")) };
}
