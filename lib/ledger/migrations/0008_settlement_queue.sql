CREATE TABLE "settlement_queue" (
	"payment_id" uuid PRIMARY KEY NOT NULL,
	"enqueued_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "settlement_queue" ADD CONSTRAINT "settlement_queue_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "settlement_queue_enqueued_at_idx" ON "settlement_queue" USING btree ("enqueued_at");
