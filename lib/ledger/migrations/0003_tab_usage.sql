ALTER TABLE "tab_events" ADD COLUMN "payer" text;--> statement-breakpoint
ALTER TABLE "tab_events" ADD COLUMN "input_tokens" integer;--> statement-breakpoint
ALTER TABLE "tab_events" ADD COLUMN "output_tokens" integer;
