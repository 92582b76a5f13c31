CREATE TABLE "payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agent_id" text NOT NULL,
	"payer" text NOT NULL,
	"pay_to" text NOT NULL,
	"asset" text NOT NULL,
	"network" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"nonce" text NOT NULL,
	"valid_before" numeric(78, 0) NOT NULL,
	"x402_version" integer NOT NULL,
	"resource" text NOT NULL,
	"status" text DEFAULT 'verified' NOT NULL,
	"tx_hash" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "payments_authorization_unique" UNIQUE("network","asset","payer","nonce"),
	CONSTRAINT "payments_status_check" CHECK ("status" in ('verified', 'settling', 'settled', 'failed', 'voided'))
);
--> statement-breakpoint
CREATE TABLE "usage" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"payment_id" uuid,
	"agent_id" text NOT NULL,
	"model" text NOT NULL,
	"input_tokens" integer NOT NULL,
	"output_tokens" integer NOT NULL,
	"tool_calls" integer NOT NULL,
	"latency_ms" integer NOT NULL,
	"first_token_ms" integer,
	"price" numeric(78, 0) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "usage" ADD CONSTRAINT "usage_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payments_status_idx" ON "payments" USING btree ("status");--> statement-breakpoint
CREATE INDEX "payments_agent_id_idx" ON "payments" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "payments_created_at_idx" ON "payments" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "usage_agent_id_idx" ON "usage" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "usage_payment_id_idx" ON "usage" USING btree ("payment_id");