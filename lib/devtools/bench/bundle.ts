/** First-load JavaScript of a prerendered page of the production build, gzip: the scripts its HTML loads. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

export function firstLoadJs(root: string, page = "index"): { files: number; gzipBytes: number; rawBytes: number } {
  const html = path.join(root, ".next", "server", "app", `${page}.html`);
  if (!existsSync(html)) throw new Error(`${html} is missing: run a production build first (npm run build)`);
  const scripts = new Set([...readFileSync(html, "utf8").matchAll(/<script[^>]+src="\/_next\/([^"?]+)/g)].map((m) => m[1]!));
  let gzipBytes = 0;
  let rawBytes = 0;
  for (const file of scripts) {
    const content = readFileSync(path.join(root, ".next", file));
    rawBytes += content.length;
    gzipBytes += gzipSync(content, { level: 9 }).length;
  }
  return { files: scripts.size, gzipBytes, rawBytes };
}
