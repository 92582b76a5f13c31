CREATE TABLE "transfer_orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"network" text NOT NULL,
	"tx_hash" text NOT NULL,
	"agent_id" text NOT NULL,
	"payer" text NOT NULL,
	"pay_to" text NOT NULL,
	"asset" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transfer_orders_tx_unique" UNIQUE("network","tx_hash"),
	CONSTRAINT "transfer_orders_status_check" CHECK ("status" in ('running', 'completed', 'failed'))
);
--> statement-breakpoint
CREATE INDEX "transfer_orders_agent_id_idx" ON "transfer_orders" USING btree ("agent_id");
