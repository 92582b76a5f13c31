import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  numeric,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";

/**
 * verified → settling → settled | failed, failed → settling (retry), verified → voided.
 * Voided: the agent failed before any output, so the payment was never settled.
 */
export const PAYMENT_STATUSES = ["verified", "settling", "settled", "failed", "voided"] as const;

/** Token amounts are uint256 atomic units: numeric(78,0) holds any of them, read back as exact strings. */
const atomic = (name: string) => numeric(name, { precision: 78, scale: 0, mode: "string" });

export const payments = pgTable(
  "payments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    agentId: text("agent_id").notNull(),
    /** Lower-case 0x address of the authorization's signer. */
    payer: text("payer").notNull(),
    payTo: text("pay_to").notNull(),
    asset: text("asset").notNull(),
    /** CAIP-2, e.g. "eip155:31337". */
    network: text("network").notNull(),
    amount: atomic("amount").notNull(),
    /** EIP-3009 nonce: lower-case 0x-prefixed 32-byte hex. */
    nonce: text("nonce").notNull(),
    /** Unix seconds; a uint256 in the signed authorization, hence numeric. */
    validBefore: atomic("valid_before").notNull(),
    x402Version: integer("x402_version").notNull(),
    resource: text("resource").notNull(),
    status: text("status", { enum: PAYMENT_STATUSES }).notNull().default("verified"),
    txHash: text("tx_hash"),
    /** Why the payment failed or was voided. */
    error: text("error"),
    /** A failed settlement whose cause was transient (RPC or facilitator down): reconciliation retries it. */
    retryable: boolean("retryable").notNull().default(false),
    /** Settlement attempts so far; a claim for a retry names the count it saw, so only one process retries. */
    attempts: integer("attempts").notNull().default(0),
    /**
     * What settling later needs, as JSON text: the signed x402 payload (an EIP-3009 authorization for this one
     * transfer to the agent, usable by nobody for anything else; not a key) and the requirements it was
     * verified against. Text, not jsonb: jsonb refuses the \u0000 a payer may put in fields we do not read.
     */
    paymentPayload: text("payment_payload"),
    paymentRequirements: text("payment_requirements"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    settledAt: timestamp("settled_at", { withTimezone: true }),
  },
  (t) => [
    // One signed authorization can be claimed once, whichever server process sees it first.
    unique("payments_authorization_unique").on(t.network, t.asset, t.payer, t.nonce),
    check(
      "payments_status_check",
      sql.raw(`"status" in (${PAYMENT_STATUSES.map((s) => `'${s}'`).join(", ")})`),
    ),
    index("payments_status_idx").on(t.status),
    index("payments_agent_id_idx").on(t.agentId),
    index("payments_created_at_idx").on(t.createdAt),
  ],
);

export const usage = pgTable(
  "usage",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Null for replies that were not paid for. */
    paymentId: uuid("payment_id").references(() => payments.id),
    agentId: text("agent_id").notNull(),
    model: text("model").notNull(),
    inputTokens: integer("input_tokens").notNull(),
    outputTokens: integer("output_tokens").notNull(),
    toolCalls: integer("tool_calls").notNull(),
    /** Time to the full reply. */
    latencyMs: integer("latency_ms").notNull(),
    firstTokenMs: integer("first_token_ms"),
    /** Quoted price in atomic units. */
    price: atomic("price").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("usage_agent_id_idx").on(t.agentId), index("usage_payment_id_idx").on(t.paymentId)],
);

/**
 * Tabs (x402 batch-settlement channels), one row per channel: the SDK's channel record as JSON (`state`), with
 * the fields the claimer queries beside it. Amounts are atomic units of the channel's token.
 */
export const channels = pgTable(
  "channels",
  {
    /** Lower-case 0x-prefixed 32-byte channel id. */
    channelId: text("channel_id").primaryKey(),
    /** CAIP-2, e.g. "eip155:31337". */
    network: text("network").notNull(),
    payer: text("payer").notNull(),
    receiver: text("receiver").notNull(),
    token: text("token").notNull(),
    /** The SDK's Channel record (config, voucher, mirrored on-chain state), JSON text. */
    state: text("state").notNull(),
    chargedCumulative: atomic("charged_cumulative").notNull(),
    totalClaimed: atomic("total_claimed").notNull(),
    /** Unix seconds; 0 when no timed withdrawal is pending. */
    withdrawRequestedAt: bigint("withdraw_requested_at", { mode: "number" }).notNull().default(0),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("channels_receiver_token_idx").on(t.network, t.receiver, t.token)],
);

export const TAB_EVENT_KINDS = ["deposit", "charge", "claim", "settle", "refund"] as const;

/** What happened on a tab, one row each: deposits, charges (with usage), claims, settlements, refunds. */
export const tabEvents = pgTable(
  "tab_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    channelId: text("channel_id").notNull(),
    network: text("network").notNull(),
    kind: text("kind", { enum: TAB_EVENT_KINDS }).notNull(),
    amount: atomic("amount").notNull(),
    /** The channel's charged total after a charge. */
    cumulative: atomic("cumulative"),
    txHash: text("tx_hash"),
    agentId: text("agent_id"),
    /** Lower-case 0x address of the channel's payer. */
    payer: text("payer"),
    /** A charge's usage: what the reply it paid for consumed. */
    inputTokens: integer("input_tokens"),
    outputTokens: integer("output_tokens"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("tab_events_kind_check", sql.raw(`"kind" in (${TAB_EVENT_KINDS.map((k) => `'${k}'`).join(", ")})`)),
    index("tab_events_channel_idx").on(t.channelId),
  ],
);

/**
 * A paid reply as it was streamed (the assistant's AI SDK UI message, JSON text), kept for a while so that its
 * payer can fetch it again after losing it (a reload mid-reply). Pruned by age (lib/ledger/replies.ts).
 */
export const replies = pgTable(
  "replies",
  {
    paymentId: uuid("payment_id")
      .primaryKey()
      .references(() => payments.id),
    message: text("message").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("replies_created_at_idx").on(t.createdAt)],
);

/**
 * The tab claimer's progress, one row per network, so a restarted (or another) server process resumes where the
 * last claimer stopped: the last block whose withdrawal events it read, and when it last claimed.
 */
export const tabClaimer = pgTable("tab_claimer", {
  /** CAIP-2, e.g. "eip155:31337". */
  network: text("network").primaryKey(),
  lastBlock: bigint("last_block", { mode: "bigint" }),
  lastClaimAt: timestamp("last_claim_at", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Facilitator API keys (lib/x402/facilitator/keys.ts): other sellers' keys to our facilitator, one row each, with
 * the key's usage counted on it. Only the SHA-256 of a key is kept; the key itself is shown once, at creation.
 */
export const facilitatorKeys = pgTable(
  "facilitator_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Lower-case 0x address of the signed-in seller who made the key: the one payTo it settles for. */
    owner: text("owner").notNull(),
    name: text("name").notNull(),
    /** Hex SHA-256 of the key. */
    keyHash: text("key_hash").notNull().unique("facilitator_keys_key_hash_unique"),
    /** The key's first characters, so its owner can tell keys apart. */
    keyPrefix: text("key_prefix").notNull(),
    /** CAIP-2 ids the key may use; null: every network the facilitator serves. */
    networks: text("networks").array(),
    /** Verify + settle requests per minute. */
    ratePerMinute: integer("rate_per_minute").notNull(),
    verifications: integer("verifications").notNull().default(0),
    settlements: integer("settlements").notNull().default(0),
    /** Atomic units of the settled payments' asset (USDC on every network we serve). */
    volume: atomic("volume").notNull().default("0"),
    /** Wei the facilitator's key paid for this key's settlements. */
    gasWei: atomic("gas_wei").notNull().default("0"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("facilitator_keys_owner_idx").on(t.owner)],
);

/** Signed-in sellers of the /facilitator page: the SHA-256 of the session cookie's token and the address it proved. */
export const facilitatorSessions = pgTable("facilitator_sessions", {
  tokenHash: text("token_hash").primaryKey(),
  address: text("address").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

/** Sign-in nonces issued and not yet used: each signs in once, before it expires. */
export const facilitatorNonces = pgTable("facilitator_nonces", {
  nonce: text("nonce").primaryKey(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

export const TRANSFER_ORDER_STATUSES = ["running", "completed", "failed"] as const;

/**
 * Orders paid by transfer (Atelier's pay-then-prove, /api/x402/pay): one row per transaction hash, claimed before
 * the agent runs, so a hash buys one reply whichever process sees it first. running → completed | failed, and
 * failed → running: a run that delivered nothing releases its hash for the payer to try again (the money moved;
 * the reply is still owed), while a completed one is never served again.
 */
export const transferOrders = pgTable(
  "transfer_orders",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** CAIP-2, e.g. "eip155:31337". */
    network: text("network").notNull(),
    /** Lower-case 0x-prefixed 32-byte hash of the payer's transfer. */
    txHash: text("tx_hash").notNull(),
    agentId: text("agent_id").notNull(),
    /** Lower-case 0x address the transfer came from. */
    payer: text("payer").notNull(),
    payTo: text("pay_to").notNull(),
    asset: text("asset").notNull(),
    /** What the transfer moved to payTo (atomic units), at least the price. */
    amount: atomic("amount").notNull(),
    status: text("status", { enum: TRANSFER_ORDER_STATUSES }).notNull().default("running"),
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("transfer_orders_tx_unique").on(t.network, t.txHash),
    check("transfer_orders_status_check", sql.raw(`"status" in (${TRANSFER_ORDER_STATUSES.map((s) => `'${s}'`).join(", ")})`)),
    index("transfer_orders_agent_id_idx").on(t.agentId),
  ],
);

/**
 * Exact payments waiting for the deployment's one settlement worker (lib/x402/settlement/worker.ts): a process
 * whose reply is paid queues its payment here (already `settling`, with its payload on the payments row); the
 * worker, whichever process holds its lock, takes them in batches and deletes each row once the outcome is
 * recorded. A row left by a worker that died is taken by the next one.
 */
export const settlementQueue = pgTable(
  "settlement_queue",
  {
    // No foreign key, so payments can be truncated alone (tests); take() drops a row whose payment is gone.
    paymentId: uuid("payment_id").primaryKey(),
    enqueuedAt: timestamp("enqueued_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("settlement_queue_enqueued_at_idx").on(t.enqueuedAt)],
);
