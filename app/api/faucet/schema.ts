import { isAddress, zeroAddress } from "viem";
import { z } from "zod/v4";
import { zod3Wording as w } from "@/lib/http/schema";

/** POST /api/faucet's body: who gets test funds, on which network. */
export const FaucetRequest = z.object(
  {
    address: z
      .string(w)
      .refine((a) => isAddress(a, { strict: false }), "not an EVM address")
      // Nothing can be minted to it (the token reverts): a 400, not the faucet failing.
      .refine((a) => a.toLowerCase() !== zeroAddress, "the zero address cannot receive funds"),
    chainId: z.number(w).int(w),
  },
  w,
);
