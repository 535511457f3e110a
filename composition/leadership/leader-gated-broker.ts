import { BrokerError, type BrokerPort } from "../../broker/port.js";
import { type LeaderGate, notLeaderMessage } from "../../coordinator/leadership/leader-gate.js";

/**
 * The broker as a leader's dispatcher sees it: publishing (the outbox relay) asks the gate first,
 * so only the leader relays; a refused publish is BrokerError("unavailable"), which the relay
 * retries with backoff until the replica steps down. The dead-letter monitor's receives take
 * nothing while the gate is closed (a deposed leader must not hold dead letters locked away from
 * the new one); counts and the topology pass through.
 */
export function leaderGatedBroker(broker: BrokerPort, gate: LeaderGate): BrokerPort {
  return {
    ensureTopology: (topology) => broker.ensureTopology(topology),
    async publish(topic, messages) {
      if (!gate.holds()) throw new BrokerError("unavailable", notLeaderMessage(`publishing ${messages.length} assignment(s) to ${topic}`));
      return broker.publish(topic, messages);
    },
    openReceiver(address, options) {
      const receiver = broker.openReceiver(address, options);
      if (address.deadLetter !== true) return receiver;
      return {
        receive: async (max, maxWaitMs) => (gate.holds() ? receiver.receive(max, maxWaitMs) : []),
        complete: (message) => receiver.complete(message),
        abandon: (message) => receiver.abandon(message),
        deadLetter: (message, reason, description) => receiver.deadLetter(message, reason, description),
        renewLock: (message) => receiver.renewLock(message),
        close: () => receiver.close(),
      };
    },
    counts: (topic, subscription) => broker.counts(topic, subscription),
    close: () => broker.close(),
  };
}
