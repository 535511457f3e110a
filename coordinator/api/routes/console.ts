import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ApiContext } from "../context.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
};

// The console loads nothing from elsewhere and is never framed. uPlot sizes its elements with
// inline style attributes, hence 'unsafe-inline' for styles only.
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

interface Asset {
  body: Buffer;
  type: string;
  /** Hashed file names never change content: cache them for good. */
  immutable: boolean;
}

/**
 * The operator console at /ui: the built single-page app, served by the coordinator itself (no
 * other server). Only files present in the build at start are served (no path from the URL ever
 * reaches the file system); any other /ui path gets the app, whose router shows the page. The app
 * authenticates every API call itself, so these files need no token.
 */
export function registerConsoleRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const dir = ctx.console?.assetsDir;
  if (dir === undefined) return;
  let assets: Map<string, Asset> | undefined;
  const load = (): Map<string, Asset> | undefined => {
    if (assets === undefined && existsSync(join(dir, "index.html"))) assets = readAssets(dir);
    return assets;
  };

  const serve = (path: string, reply: FastifyReply) => {
    const files = load();
    if (files === undefined) {
      return reply
        .status(503)
        .type("text/html; charset=utf-8")
        .send(
          "<!doctype html><meta charset=utf-8><title>Console not built</title><p>The operator console has not been built on this machine. Run <code>npm run build:console</code> (<code>npm ci</code> and <code>npm start</code> do it), then reload. The API is unaffected: see <a href=/docs>/docs</a>.</p>",
        );
    }
    const asset = files.get(path);
    if (asset === undefined && extname(path) !== "") {
      return reply.status(404).type("text/plain; charset=utf-8").send(`no console file ${path}; reload the console (it may have been rebuilt)`);
    }
    const chosen = asset ?? files.get("index.html")!;
    void reply.headers(SECURITY_HEADERS);
    void reply.header("cache-control", chosen.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    return reply.type(chosen.type).send(chosen.body);
  };

  const hidden = { schema: { hide: true } };
  app.get("/", hidden, async (_request, reply) => reply.redirect("/ui/"));
  app.get("/ui", hidden, async (_request, reply) => reply.redirect("/ui/"));
  app.get("/ui/", hidden, async (_request, reply) => serve("index.html", reply));
  app.get("/ui/*", hidden, async (request, reply) => serve((request.params as { "*": string })["*"], reply));
}

function readAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const key = relative(dir, path).split(sep).join("/");
      assets.set(key, {
        body: readFileSync(path),
        type: TYPES[extname(name)] ?? "application/octet-stream",
        immutable: key.startsWith("assets/"),
      });
    }
  };
  walk(dir);
  return assets;
}
