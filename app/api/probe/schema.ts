import { z } from "zod/v4";
import { zod3Wording as w } from "@/lib/http/schema";

/** POST /api/probe's body: the agent URL to read a price from. */
export const ProbeRequest = z.object({ url: z.string(w).trim().min(1, w).max(2048, w).meta({ format: "uri" }) }, w);
