CREATE TABLE "channels" (
	"channel_id" text PRIMARY KEY NOT NULL,
	"network" text NOT NULL,
	"payer" text NOT NULL,
	"receiver" text NOT NULL,
	"token" text NOT NULL,
	"state" text NOT NULL,
	"charged_cumulative" numeric(78, 0) NOT NULL,
	"total_claimed" numeric(78, 0) NOT NULL,
	"withdraw_requested_at" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tab_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"channel_id" text NOT NULL,
	"network" text NOT NULL,
	"kind" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"cumulative" numeric(78, 0),
	"tx_hash" text,
	"agent_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tab_events_kind_check" CHECK ("kind" in ('deposit', 'charge', 'claim', 'settle', 'refund'))
);
--> statement-breakpoint
CREATE INDEX "channels_receiver_token_idx" ON "channels" USING btree ("network","receiver","token");--> statement-breakpoint
CREATE INDEX "tab_events_channel_idx" ON "tab_events" USING btree ("channel_id");