import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { streamChunks } from "../http/stream";

export type WebHandler = (req: Request) => Promise<Response> | Response;
export interface Route {
  method: string;
  /** A path pattern with `:param` segments, e.g. /api/x402/:agentId/chat. */
  path: string;
  handle: (req: Request, params: Record<string, string>) => Promise<Response> | Response;
}

/**
 * Serves the app's route handlers (Web Request → Response) over real HTTP on
 * 127.0.0.1, so tests drive them with real clients (@x402/fetch, streaming).
 */
export async function serveRoutes(routes: Route[]): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => void dispatch(routes, req, res));
  // Only the client closes idle kept-alive connections. Tests run client and server in one process: after a
  // stall (PGlite's first open blocks for seconds), both idle timers are due at once and the client may send
  // its next request on the connection before either runs; the server's timer then resets it (ECONNRESET).
  // Idle connections left open are closed by close().
  server.keepAliveTimeout = 0;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

async function dispatch(routes: Route[], req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
  for (const route of routes) {
    const params = matchPath(route.path, url.pathname);
    if (!params || route.method !== req.method) continue;
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(url, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
      signal: abort.signal,
      ...(hasBody && { duplex: "half" }),
    } as RequestInit);
    try {
      const response = await route.handle(request, params);
      // A handler may answer before reading the whole body (413): don't reuse that connection.
      if (!req.complete) res.setHeader("connection", "close");
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) for await (const chunk of streamChunks(response.body)) res.write(chunk);
      res.end();
    } catch (err) {
      res.writeHead(500, { "content-type": "text/plain" }).end(`handler threw: ${(err as Error).stack}`);
    }
    return;
  }
  res.writeHead(404).end();
}

function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = pathname.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    if (segment.startsWith(":")) params[segment.slice(1)] = decodeURIComponent(got[i]!);
    else if (segment !== got[i]) return null;
  }
  return params;
}
