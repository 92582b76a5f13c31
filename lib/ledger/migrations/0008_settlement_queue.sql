CREATE TABLE "settlement_queue" (
	"payment_id" uuid PRIMARY KEY NOT NULL,
	"enqueued_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "settlement_queue_enqueued_at_idx" ON "settlement_queue" USING btree ("enqueued_at");
