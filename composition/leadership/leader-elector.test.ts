import { describe, expect, it } from "vitest";
import { FaultyStore, type StoreFault } from "../../store/faulty-store.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { leaseTimingOf } from "../../coordinator/leadership/leader-lease.js";
import { LeaderElector, readLease } from "./leader-elector.js";

function setUp() {
  let now = 1_000_000;
  const clock = { now: () => now };
  const memory = new MemoryStore({ now: () => now });
  let fault: StoreFault = "none";
  const store = new FaultyStore(memory, () => fault);
  const timing = leaseTimingOf(3000);
  const events: string[] = [];
  const elector = (id: string) =>
    new LeaderElector({
      store,
      clock,
      me: { id, address: `http://${id}` },
      timing,
      onElected: (epoch) => events.push(`${id} elected ${epoch}`),
      onDeposed: (reason) => events.push(`${id} deposed: ${reason}`),
    });
  return { memory, elector, events, advance: (ms: number) => (now += ms), setFault: (f: StoreFault) => (fault = f), timing };
}

describe("the leader elector on the store", () => {
  it("elects one replica, keeps it while it renews, and hands over once it stops: epoch + 1, the old one deposed when it comes back", async () => {
    const { memory, elector, events, advance } = setUp();
    const a = elector("a");
    const b = elector("b");
    await a.step();
    await b.step();
    expect(a.holds()).toBe(true);
    expect(a.epoch()).toBe(1);
    expect(b.role()).toBe("follower");
    expect(b.leader()).toMatchObject({ holder: "a", epoch: 1, address: "http://a" });
    // a renews every second; b sees the document move and keeps waiting.
    for (let i = 0; i < 5; i++) {
      advance(1000);
      await a.step();
      await b.step();
    }
    expect(b.role()).toBe("follower");
    // a stops (a pause); b takes over once the version it sees has not moved for lease + margin.
    advance(1000);
    await b.step();
    expect(b.holds()).toBe(false);
    advance(3300);
    await b.step();
    expect(b.holds()).toBe(true);
    expect(b.epoch()).toBe(2);
    expect(a.holds()).toBe(false);
    await a.step();
    expect(a.role()).toBe("deposed");
    expect(events).toEqual(["a elected 1", "b elected 2", "a deposed: replica b leads since epoch 2 (this replica held epoch 1)"]);
    expect((await readLease(memory))?.lease.history.map((h) => `${h.holder}:${h.epoch}`)).toEqual(["a:1", "b:2"]);
  });

  it("stops holding on its own clock when it cannot renew (store down), and renews again when the store answers and nobody took over", async () => {
    const { elector, advance, setFault } = setUp();
    const a = elector("a");
    await a.step();
    setFault("unavailable");
    advance(1000);
    await a.step();
    expect(a.holds()).toBe(true);
    advance(1800);
    expect(a.holds()).toBe(false);
    setFault("none");
    await a.step();
    expect(a.holds()).toBe(true);
    expect(a.epoch()).toBe(1);
  });

  it("recognises its own renewal whose answer was lost (a timeout that applied), and keeps the lease", async () => {
    const { elector, advance, setFault } = setUp();
    const a = elector("a");
    await a.step();
    advance(1000);
    setFault({ kind: "timeout", applied: true });
    await a.step();
    setFault("none");
    advance(100);
    await a.step();
    expect(a.role()).toBe("leader");
    expect(a.holds()).toBe(true);
  });
});
