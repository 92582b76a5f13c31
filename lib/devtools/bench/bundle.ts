/** First-load JavaScript of a page of the production build, gzip: the scripts its HTML loads, read from .next. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

export function firstLoadJs(root: string, html: string): { files: number; gzipBytes: number; rawBytes: number } {
  const scripts = new Set([...html.matchAll(/<script[^>]+src="\/_next\/([^"?]+)/g)].map((m) => m[1]!));
  if (scripts.size === 0) throw new Error("the page loads no /_next/ scripts: is it the app's production build?");
  let gzipBytes = 0;
  let rawBytes = 0;
  for (const file of scripts) {
    const content = readFileSync(path.join(root, ".next", file));
    rawBytes += content.length;
    gzipBytes += gzipSync(content, { level: 9 }).length;
  }
  return { files: scripts.size, gzipBytes, rawBytes };
}
