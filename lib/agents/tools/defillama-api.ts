import "server-only";
import type { z } from "zod";
import { describeError } from "@/lib/errors";

/** DeFiLlama answers in well under a second; past this the user is better told it is down. */
const TIMEOUT_MS = 5_000;

/** GETs JSON from DeFiLlama and checks it, turning every way it can fail into one sentence the model can pass on. */
export async function getDefillama<T>(schema: z.ZodType<T>, url: string, abortSignal: AbortSignal | undefined): Promise<T> {
  const result = schema.safeParse(await getJson(url, abortSignal));
  if (!result.success) {
    throw new Error(`The DeFiLlama API sent an unexpected response for ${url}: ${result.error.issues[0]?.message}`);
  }
  return result.data;
}

async function getJson(url: string, abortSignal: AbortSignal | undefined): Promise<unknown> {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const signal = abortSignal ? AbortSignal.any([abortSignal, timeout]) : timeout;
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { headers: { accept: "application/json" }, signal });
    body = await response.text();
  } catch (error) {
    // The user cancelled: nothing to explain to the model.
    if (abortSignal?.aborted) throw error;
    if (timeout.aborted) throw new Error(`The DeFiLlama API did not answer within ${TIMEOUT_MS / 1000} s (${url})`);
    throw new Error(`The DeFiLlama API is unreachable (${new URL(url).origin}): ${describeError(error)}`);
  }
  if (!response.ok) {
    const status = `${response.status} ${response.statusText}`;
    throw new Error(`The DeFiLlama API answered ${status} for ${url}: ${body.slice(0, 200)}`);
  }
  try {
    return JSON.parse(body);
  } catch {
    throw new Error(`The DeFiLlama API sent invalid JSON for ${url}: ${body.slice(0, 100)}`);
  }
}
