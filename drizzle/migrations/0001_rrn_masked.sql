ALTER TABLE "identity_challenges" ADD COLUMN "rrn_masked" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "rrn_masked" text DEFAULT '' NOT NULL;