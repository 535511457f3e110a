import { describe, expect, it } from "vitest";
import type { JournalOp } from "./journal-op.js";
import { JournalWriter, type RecordTarget } from "./journal-writer.js";
import { RECORD_HEADER_BYTES } from "./record-codec.js";

/** A record target whose writes finish only when the test says so. */
class HeldTarget implements RecordTarget {
  readonly path = "/data/journal-00000001.log";
  readonly records: { seq: number; ops: JournalOp[] }[] = [];
  private held: { resolve(): void; reject(error: Error): void }[] = [];

  append(record: Buffer): Promise<void> {
    this.records.push(JSON.parse(record.subarray(RECORD_HEADER_BYTES).toString("utf8")));
    return new Promise((resolve, reject) => this.held.push({ resolve, reject }));
  }

  get writing(): number {
    return this.held.length;
  }

  finish(): void {
    this.held.shift()?.resolve();
  }

  fail(error: Error): void {
    this.held.shift()?.reject(error);
  }
}

const op = (id: string): JournalOp => ({ op: "delete-database", id });
const flushMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("the journal's group commit", () => {
  it("writes every op applied in one synchronous step as one record", async () => {
    const target = new HeldTarget();
    const journal = new JournalWriter(target, 0);
    for (let i = 1; i <= 50; i++) journal.append(op(`db-${i}`));
    const settled = journal.settled();
    await flushMicrotasks();
    expect(target.records).toHaveLength(1);
    expect(target.records[0]?.seq).toBe(1);
    expect(target.records[0]?.ops).toHaveLength(50);
    target.finish();
    await settled;
    expect(journal.stats()).toMatchObject({ lastSeq: 50, durableSeq: 50, records: 1, fsyncs: 1, ops: 50 });
  });

  it("holds ops that arrive during a write and sends them all in the next record", async () => {
    const target = new HeldTarget();
    const journal = new JournalWriter(target, 10);
    journal.append(op("first"));
    const first = journal.settled();
    await flushMicrotasks();
    expect(target.writing).toBe(1);

    const later: Promise<void>[] = [];
    for (let i = 0; i < 49; i++) {
      journal.append(op(`later-${i}`));
      later.push(journal.settled());
      await flushMicrotasks();
    }
    // Nothing is acknowledged before its own record is on disk.
    let laterSettled = false;
    void Promise.all(later).then(() => {
      laterSettled = true;
    });
    expect(target.writing).toBe(1);
    target.finish();
    await first;
    await flushMicrotasks();
    expect(laterSettled).toBe(false);
    expect(target.records.map((record) => [record.seq, record.ops.length])).toEqual([
      [11, 1],
      [12, 49],
    ]);
    target.finish();
    await Promise.all(later);
    expect(journal.stats()).toMatchObject({ lastSeq: 60, durableSeq: 60, records: 2, fsyncs: 2 });
  });

  it("settles at once when nothing is pending", async () => {
    const journal = new JournalWriter(new HeldTarget(), 3);
    await expect(journal.settled()).resolves.toBeUndefined();
  });

  it("fails for good when a write fails: every waiter and every later call is refused", async () => {
    const target = new HeldTarget();
    const failures: Error[] = [];
    const journal = new JournalWriter(target, 0, { onFailure: (error) => failures.push(error) });
    journal.append(op("a"));
    const first = journal.settled();
    await flushMicrotasks();
    journal.append(op("b"));
    const second = journal.settled();
    target.fail(new Error("ENOSPC: no space left on device"));
    await expect(first).rejects.toThrow(/writing the Cosmos peer's journal \/data\/journal-00000001\.log failed: ENOSPC/);
    await expect(second).rejects.toThrow(/ENOSPC/);
    await expect(journal.settled()).rejects.toThrow(/ENOSPC/);
    expect(journal.failed?.message).toMatch(/ENOSPC/);
    expect(failures).toHaveLength(1);
    expect(target.records).toHaveLength(1);
  });
});
