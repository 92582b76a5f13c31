import { z } from "zod/v4";
import { zod3Wording as w } from "@/lib/http/schema";

const hex = (bytes: number, what: string) => z.string(w).regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `must be ${what}`);

/** GET /api/payments/:nonce's query: which payment (the nonce is in the path). */
export const PaymentLookup = z.object(
  {
    network: z.string(w).regex(/^eip155:\d{1,12}$/, "must be a CAIP-2 eip155 network"),
    asset: hex(20, "a 0x address"),
    payer: hex(20, "a 0x address"),
  },
  w,
);

/** POST /api/payments/:nonce's body: the payment, and the payer's EIP-712 signature over (payer, nonce, expires). */
export const ReplyAccessBody = PaymentLookup.extend({
  expires: z.string(w).regex(/^\d{1,12}$/, "must be unix seconds"),
  signature: z.string(w).regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte 0x signature"),
});

export const NONCE = /^0x[0-9a-fA-F]{64}$/;
