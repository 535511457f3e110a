import { afterAll, beforeAll, describe } from "vitest";
import type { BrokerPort, BrokerTopology } from "../port.js";
import type { BrokerContractContext, BrokerContractOptions, BrokerUnderTest } from "./broker-contract-context.js";
import { deliveryCases } from "./broker-contract-delivery.js";
import { settlementCases } from "./broker-contract-settlement.js";
import { timingCases } from "./broker-contract-timing.js";
import { topologyCases } from "./broker-contract-topology.js";

export type { BrokerContractOptions, BrokerUnderTest } from "./broker-contract-context.js";

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let topicCounter = 0;

/**
 * The broker port's contract (broker/port.ts), run against every adapter: the memory
 * broker on a virtual clock, the Service Bus adapter on the local protocol broker, and, when
 * configured, on Microsoft's emulator or a real namespace. Every test uses its own topic. The
 * cases are split by concern: topology, delivery, settlement, time-based behaviour.
 */
export function runBrokerContract(name: string, make: () => Promise<BrokerUnderTest>, options: BrokerContractOptions = {}): void {
  const lockDurationMs = options.lockDurationMs ?? 1500;

  describe(`broker contract: ${name}`, () => {
    let sut: BrokerUnderTest | undefined;
    beforeAll(async () => {
      sut = await make();
    });
    afterAll(async () => {
      await sut?.cleanup();
    });
    const started = (): BrokerUnderTest => {
      if (sut === undefined) throw new Error("the broker under test has not started");
      return sut;
    };
    const context: BrokerContractContext = {
      get sut() {
        return started();
      },
      get broker(): BrokerPort {
        return started().broker;
      },
      options,
      lockDurationMs,
      async topic(overrides = {}) {
        const topology: BrokerTopology = {
          topic: `contract-${process.pid}-${Date.now().toString(36)}-${++topicCounter}`,
          duplicateDetectionWindowMs: 60_000,
          subscriptions: ["a", "b"].map((pool) => ({
            name: pool,
            lockDurationMs,
            maxDeliveryCount: overrides.maxDeliveryCount ?? 5,
            deadLetterOnExpiration: overrides.deadLetterOnExpiration ?? true,
            filter: { pool },
          })),
        };
        await started().broker.ensureTopology(topology);
        return topology;
      },
      advance: (ms) => {
        const current = started();
        return current.advance === undefined ? realSleep(ms) : current.advance(ms);
      },
      now: () => {
        const current = started();
        return current.now === undefined ? Date.now() : current.now();
      },
    };
    topologyCases(context);
    deliveryCases(context);
    settlementCases(context);
    timingCases(context);
  });
}
