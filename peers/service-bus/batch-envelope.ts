import { type AmqpMessage, rhea } from "./rhea-internals.js";

/**
 * A batch send (message format 0x80013700) carries one envelope message whose body is a series of
 * data sections, each a complete encoded message. rhea hands such a delivery over undecoded.
 */
export function decodeBatch(payload: Buffer): AmqpMessage[] {
  const body = rhea.message.decode(payload).body as { content?: unknown; multiple?: boolean } | undefined;
  const sections: unknown[] = body?.multiple === true && Array.isArray(body.content) ? body.content : body?.content === undefined ? [] : [body.content];
  return sections.filter((s): s is Buffer => Buffer.isBuffer(s)).map((section) => rhea.message.decode(section));
}
