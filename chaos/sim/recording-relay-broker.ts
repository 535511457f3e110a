import { AssignmentMessage } from "../../contracts/index.js";
import { type BrokerPort, type BrokerReceiver, type BrokerTopology, type OutgoingMessage, type ReceiverAddress, isBrokerError } from "../../broker/port.js";
import type { History } from "../history/history.js";
import type { Operation } from "../history/operation.js";
import type { DeliveryBell } from "./delivery-bell.js";

/**
 * The broker as the outbox relay reaches it: every assignment message it publishes is recorded
 * with its outcome (ok; fail when refused, nothing sent; unknown when the acknowledgement was lost
 * or nothing answered), and waiting agents are woken when a message may have arrived.
 */
export class RecordingRelayBroker implements BrokerPort {
  constructor(
    private readonly inner: BrokerPort,
    private readonly history: History,
    private readonly bell: DeliveryBell,
    private readonly actor = "relay",
  ) {}

  ensureTopology(topology: BrokerTopology): Promise<void> {
    return this.inner.ensureTopology(topology);
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    const ops: Operation[] = [];
    for (const message of messages) {
      const parsed = AssignmentMessage.safeParse(message.body);
      if (parsed.success) ops.push(this.history.invoke({ kind: "publish", actor: this.actor, jobId: parsed.data.jobId, epoch: parsed.data.epoch }));
    }
    try {
      await this.inner.publish(topic, messages);
    } catch (error) {
      const unknown = isBrokerError(error, "timeout");
      for (const op of ops) this.history.complete(op, unknown ? "unknown" : "fail", { code: isBrokerError(error) ? error.code : "error" });
      if (unknown) this.bell.ring();
      throw error;
    }
    for (const op of ops) this.history.complete(op, "ok");
    this.bell.ring();
  }

  openReceiver(address: ReceiverAddress): BrokerReceiver {
    return this.inner.openReceiver(address);
  }

  counts(topic: string, subscription: string) {
    return this.inner.counts(topic, subscription);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
