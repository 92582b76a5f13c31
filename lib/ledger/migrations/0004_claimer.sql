CREATE TABLE "tab_claimer" (
	"network" text PRIMARY KEY NOT NULL,
	"last_block" bigint,
	"last_claim_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
