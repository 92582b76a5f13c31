import { isAddress, isHash } from "viem";
import { z } from "zod";

export const AddressInput = z
  .string()
  .refine((value) => isAddress(value), "not a 0x address (40 hex digits, valid checksum if mixed-case)");
export const HashInput = z.string().refine((value) => isHash(value), "not a transaction hash (0x and 64 hex digits)");
