/**
 * What clients asked of the broker since it started, by kind: the figures behind "broker
 * operations per job" and "broker operations per minute while idle". Each AMQP frame a client
 * sends that makes the broker do something counts once (a batch transfer is one send, however
 * many messages it carries); every administration (ATOM) request counts once. Served as JSON at
 * `GET /$operations`.
 */
export interface OperationCounts {
  /** Transfers to a topic (a batch is one), and the messages they carried. */
  sends: number;
  messagesSent: number;
  /** Credit a receiver granted (a receive call), drains it asked for, and messages it was sent. */
  receiveRequests: number;
  drains: number;
  messagesDelivered: number;
  settlements: { complete: number; abandon: number; "dead-letter": number };
  /** Management requests ($management) by operation, e.g. com.microsoft:renew-lock. */
  management: Record<string, number>;
  /** Claims-based authorisation token puts ($cbs). */
  tokenPuts: number;
  /** Links attached by clients. */
  linksOpened: number;
  /** Administration requests over HTTP (topology, runtime counts). */
  administration: number;
}

export function emptyOperationCounts(): OperationCounts {
  return {
    sends: 0,
    messagesSent: 0,
    receiveRequests: 0,
    drains: 0,
    messagesDelivered: 0,
    settlements: { complete: 0, abandon: 0, "dead-letter": 0 },
    management: {},
    tokenPuts: 0,
    linksOpened: 0,
    administration: 0,
  };
}

/** A copy that shares nothing with the original. */
export function copyOperationCounts(counts: OperationCounts): OperationCounts {
  return { ...counts, settlements: { ...counts.settlements }, management: { ...counts.management } };
}

/** Every operation but the CBS handshake, which the SDK repeats per link and on a timer. */
export function totalOperations(counts: OperationCounts): number {
  const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);
  return (
    counts.sends + counts.receiveRequests + counts.drains + counts.messagesDelivered + sum(counts.settlements) + sum(counts.management) + counts.linksOpened + counts.administration
  );
}
