CREATE TABLE "dev_carrier_lines" (
	"phone" text PRIMARY KEY NOT NULL,
	"rrn_hash" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dev_carrier_lines_rrn_hash_unique" UNIQUE("rrn_hash")
);
--> statement-breakpoint
CREATE TABLE "dev_sent_codes" (
	"phone" text PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "added_by_proxy" boolean DEFAULT false NOT NULL;