import type { FastifyInstance } from "fastify";

/**
 * JSON bodies with Fastify's own parser (prototype-poisoning protection included), except that an
 * empty body is no body: a POST whose body is optional may be sent with `Content-Type:
 * application/json` and nothing after it, as many HTTP clients do. Routes that need a body still
 * refuse it ("the body is required").
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (isBlank(text)) {
      done(null, undefined);
      return;
    }
    parse(request, text, done);
  });
}

/** Whether the text is empty or only whitespace, without copying it (bodies run to megabytes). */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}
