CREATE TABLE "facilitator_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner" text NOT NULL,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"key_prefix" text NOT NULL,
	"networks" text[],
	"rate_per_minute" integer NOT NULL,
	"verifications" integer DEFAULT 0 NOT NULL,
	"settlements" integer DEFAULT 0 NOT NULL,
	"volume" numeric(78, 0) DEFAULT '0' NOT NULL,
	"gas_wei" numeric(78, 0) DEFAULT '0' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "facilitator_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE INDEX "facilitator_keys_owner_idx" ON "facilitator_keys" USING btree ("owner");--> statement-breakpoint
CREATE TABLE "facilitator_sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"address" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "facilitator_nonces" (
	"nonce" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
