ALTER TABLE "payments" ADD COLUMN "retryable" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "payment_payload" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "payment_requirements" text;