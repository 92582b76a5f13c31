import { describe, expect, it } from "vitest";
import { NETWORKS } from "@/lib/chains/networks";
import { txLinkOf } from "@/lib/chains/tx-link";

const HASH = `0x${"ab".repeat(32)}`;

describe("txLinkOf", () => {
  it("links a local transaction to the app's own view, which reads it through the relay", () => {
    expect(txLinkOf(NETWORKS.local, HASH)).toEqual({ href: `/tx/${HASH}`, external: false });
  });

  it("links other networks' transactions to their explorer", () => {
    expect(txLinkOf(NETWORKS["base-sepolia"], HASH)).toEqual({ href: `https://sepolia.basescan.org/tx/${HASH}`, external: true });
    expect(txLinkOf(NETWORKS.base, HASH)).toEqual({ href: `https://basescan.org/tx/${HASH}`, external: true });
  });

  it("links nothing that is not a transaction hash (an agent's receipt is not trusted to be one)", () => {
    expect(txLinkOf(NETWORKS.local, "javascript:alert(1)")).toBeNull();
    expect(txLinkOf(NETWORKS.base, `${HASH}/../../evil`)).toBeNull();
    expect(txLinkOf(NETWORKS.local, "")).toBeNull();
  });
});
