import { AssignmentMessage } from "../../contracts/index.js";
import type { BrokerPort, BrokerReceiver, BrokerTopology, OutgoingMessage, ReceivedMessage, ReceiverAddress, ReceiverOptions } from "../../broker/port.js";
import type { SimProcess } from "./sim-process.js";
import type { SimWorld } from "./sim-world.js";

/**
 * The broker as one simulated agent reaches it: the world's memory broker, with every call passing
 * the process's gate (a stopped process calls nothing) and `receive` waiting up to its maxWaitMs
 * on the process's timers for a message, as a Service Bus long poll does. Each message handed to
 * the agent is recorded as a delivery.
 */
export class SimAgentBroker implements BrokerPort {
  constructor(
    private readonly world: SimWorld,
    private readonly process: SimProcess,
  ) {}

  async ensureTopology(topology: BrokerTopology): Promise<void> {
    await this.process.gate();
    await this.world.broker.ensureTopology(topology);
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    await this.process.gate();
    await this.world.broker.publish(topic, messages);
  }

  openReceiver(address: ReceiverAddress, _options?: ReceiverOptions): BrokerReceiver {
    return new SimAgentReceiver(this.world, this.process, this.world.broker.openReceiver(address));
  }

  async counts(topic: string, subscription: string) {
    await this.process.gate();
    return this.world.broker.counts(topic, subscription);
  }

  /** The agent's connection closes; the broker itself lives on. */
  async close(): Promise<void> {}
}

class SimAgentReceiver implements BrokerReceiver {
  constructor(
    private readonly world: SimWorld,
    private readonly process: SimProcess,
    private readonly inner: BrokerReceiver,
  ) {}

  async receive(max: number, maxWaitMs: number): Promise<ReceivedMessage[]> {
    const waitUntil = this.process.clock.now() + maxWaitMs;
    for (;;) {
      await this.process.gate();
      const messages = await this.inner.receive(max, 0);
      const remaining = waitUntil - this.process.clock.now();
      if (messages.length > 0 || remaining <= 0) {
        for (const message of messages) this.recordDelivery(message);
        return messages;
      }
      await this.world.bell.wait(this.process, remaining);
    }
  }

  async complete(message: ReceivedMessage): Promise<void> {
    await this.process.gate();
    await this.inner.complete(message);
  }

  async abandon(message: ReceivedMessage): Promise<void> {
    await this.process.gate();
    await this.inner.abandon(message);
  }

  async deadLetter(message: ReceivedMessage, reason: string, description?: string): Promise<void> {
    await this.process.gate();
    await this.inner.deadLetter(message, reason, description);
  }

  async renewLock(message: ReceivedMessage): Promise<number> {
    await this.process.gate();
    return this.inner.renewLock(message);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private recordDelivery(message: ReceivedMessage): void {
    const parsed = AssignmentMessage.safeParse(message.body);
    if (!parsed.success) return;
    this.world.history.instant({ kind: "deliver", actor: this.process.id, jobId: parsed.data.jobId, epoch: parsed.data.epoch, deliveryCount: message.deliveryCount });
  }
}
