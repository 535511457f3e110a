import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
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

export interface Snapshots {
  /** Resolves once the state as of now is on disk (fsynced): a publish is acknowledged after it. */
  flush(): Promise<void>;
  /** Writes what is pending and stops. */
  stop(): void;
}

/**
 * Writes the broker's state (topology and messages, not locks) to `dir`: after any change within
 * `debounceMs`, and within `flushDelayMs` when a publish waits on `flush()`, so one write (temporary
 * file, fsync, rename, directory fsync) covers every publish that arrived meanwhile. A killed
 * broker process loses its locks and nothing it acknowledged.
 */
export function startSnapshots(state: BrokerState, dir: string, debounceMs = 200, flushDelayMs = 5): Snapshots {
  mkdirSync(dir, { recursive: true });
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let waiting: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const write = () => {
    timer = undefined;
    timerAt = Number.POSITIVE_INFINITY;
    const waiters = waiting;
    waiting = [];
    try {
      writeDurably(dir, JSON.stringify(snapshotOf(state)));
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  const writeWithin = (ms: number) => {
    const at = Date.now() + ms;
    if (timer !== undefined && timerAt <= at) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(write, ms);
    timerAt = at;
  };
  state.onChange(() => writeWithin(debounceMs));
  return {
    flush: () =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ resolve, reject });
        writeWithin(flushDelayMs);
      }),
    stop: () => {
      if (timer !== undefined) {
        clearTimeout(timer);
        write();
      }
    },
  };
}

function writeDurably(dir: string, text: string): void {
  const tmp = join(dir, `${FILE}.tmp`);
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, FILE));
  const dirFd = openSync(dir, "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
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
