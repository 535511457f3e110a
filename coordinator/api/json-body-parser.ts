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
    if (text.trim() === "") {
      done(null, undefined);
      return;
    }
    parse(request, text, done);
  });
}
