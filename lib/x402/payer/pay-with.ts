/** Which wallet pays a network's messages: the local one (the default) or the connected external wallet. */
import { storageKeys } from "@/lib/browser/keys";
import { createLocalStore } from "@/lib/browser/store";

export type Payer = "local" | "external";

const parsePayWith = (raw: string | null): Payer => (raw === "external" ? "external" : "local");

export function readPayWith(storage: Pick<Storage, "getItem">, chainId: number): Payer {
  return parsePayWith(storage.getItem(storageKeys.payWith(chainId)));
}

/** The choice of each network, live across tabs; write it with `payWithStore.update((s) => writePayWith(s, …))`. */
export const payWithStore = createLocalStore<[chainId: number], Payer>({
  key: storageKeys.payWith,
  parse: parsePayWith,
  server: "local",
});

export function writePayWith(storage: Pick<Storage, "setItem">, chainId: number, payer: Payer): void {
  storage.setItem(storageKeys.payWith(chainId), payer);
}
