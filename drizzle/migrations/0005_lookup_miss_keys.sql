ALTER TABLE "lookup_failures" ADD COLUMN "reservation_number" text;--> statement-breakpoint
ALTER TABLE "lookup_failures" ADD COLUMN "rrn_hash" text;--> statement-breakpoint
CREATE INDEX "lookup_failures_number_idx" ON "lookup_failures" USING btree ("reservation_number","at");--> statement-breakpoint
CREATE INDEX "lookup_failures_rrn_idx" ON "lookup_failures" USING btree ("rrn_hash","at");