/**
 * What clients asked of the broker since it started, by kind: the figures behind "broker
 * operations per job" and "broker operations per minute while idle". Each AMQP frame a client
 * sends that makes the broker do something counts once (a batch transfer is one `sends`, however
 * many messages it carries); every administration (ATOM) request counts once.
 */
export interface OperationCounts {
  /** Transfers to a topic (a single message or a batch). */
  sends: number;
  /** Messages those transfers carried. */
  messagesPublished: number;
  /** Messages delivered to receivers. */
  deliveries: number;
  /** Dispositions of delivered messages (complete, abandon, dead-letter). */
  settlements: number;
  /** Flow frames granting credit on a receiving link, including drain requests. */
  creditFlows: number;
  /** Drain requests among those. */
  drains: number;
  /** Requests to an entity's `$management` node (renew-lock, peek, schedule, ...). */
  management: number;
  /** CBS put-token requests. */
  tokens: number;
  /** Links attached by clients. */
  linksOpened: number;
  /** Administration requests over HTTP (topology, runtime counts). */
  administration: number;
}

export function emptyOperationCounts(): OperationCounts {
  return { sends: 0, messagesPublished: 0, deliveries: 0, settlements: 0, creditFlows: 0, drains: 0, management: 0, tokens: 0, linksOpened: 0, administration: 0 };
}

/** Every operation but the CBS handshake, which the SDK repeats per link and on a timer. */
export function totalOperations(counts: OperationCounts): number {
  return counts.sends + counts.deliveries + counts.settlements + counts.creditFlows + counts.management + counts.linksOpened + counts.administration;
}
