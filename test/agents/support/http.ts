import { once } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";

/** An HTTP test double on 127.0.0.1 and a port the OS picks. */
export async function listen(handler: RequestListener): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    async close() {
      // Doubles that hang on purpose keep connections open; drop them so close() can finish.
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** A URL where nothing listens: a port that was free a moment ago. */
export async function deadUrl(): Promise<string> {
  const { url, close } = await listen(() => undefined);
  await close();
  return url;
}

export async function readBody(req: Parameters<RequestListener>[0]): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}
