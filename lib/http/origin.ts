/**
 * Which requests come from this app's own pages. Browsers send Sec-Fetch-Site
 * on every request and Origin on every POST; a page on another site can make a
 * browser send a form or a simple fetch here, but cannot forge either header.
 */

/** True when the browser says the request came from another site (or origin). Non-browser clients send neither header. */
export function isCrossSiteRequest(req: Request): boolean {
  const site = req.headers.get("sec-fetch-site");
  if (site !== null) return site !== "same-origin" && site !== "none";
  const origin = req.headers.get("origin");
  if (origin === null) return false;
  const host = req.headers.get("host");
  try {
    return host === null || new URL(origin).host !== host;
  } catch {
    return true; // "null" (sandboxed frames, file:) or garbage
  }
}
