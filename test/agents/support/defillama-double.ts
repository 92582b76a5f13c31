import { listen } from "./http";

/**
 * A test double of DeFiLlama's two APIs (api.llama.fi and coins.llama.fi) on one local server, with the
 * ways they can go wrong: an unknown protocol (400), a broken body, and a request that never gets an answer.
 */
export const DOUBLE_TVL = { aave: 12_345_678_901.5, lido: 9_876_543_210 } as const;
export const DOUBLE_PRICES = {
  "coingecko:ethereum": { symbol: "ETH", price: 3012.34, timestamp: 1_700_000_000, confidence: 0.99 },
  "coingecko:bitcoin": { symbol: "BTC", price: 65432.1, timestamp: 1_700_000_000, confidence: 0.99 },
} as const;

export async function startDefiLlamaDouble() {
  const paths: string[] = [];
  const http = await listen((req, res) => {
    const path = decodeURIComponent(req.url ?? "");
    paths.push(path);
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

    const tvl = /^\/tvl\/([^/]+)$/.exec(path)?.[1];
    if (tvl === "broken") return res.writeHead(200, { "content-type": "application/json" }).end("<html>oops");
    if (tvl === "slow") return; // never answers
    if (tvl) return tvl in DOUBLE_TVL ? json(200, DOUBLE_TVL[tvl as keyof typeof DOUBLE_TVL]) : res.writeHead(400).end("Protocol not found");

    const coins = /^\/prices\/current\/(.+)$/.exec(path)?.[1];
    if (coins) {
      const known = coins.split(",").filter((coin) => coin in DOUBLE_PRICES);
      return json(200, { coins: Object.fromEntries(known.map((coin) => [coin, DOUBLE_PRICES[coin as keyof typeof DOUBLE_PRICES]])) });
    }
    res.writeHead(404).end();
  });
  return { url: http.url, paths, close: http.close };
}
