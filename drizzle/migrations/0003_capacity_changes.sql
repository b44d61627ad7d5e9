CREATE TABLE "capacity_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"clinic_id" integer NOT NULL,
	"date" date NOT NULL,
	"previous_min" integer NOT NULL,
	"previous_max" integer NOT NULL,
	"capacity" integer NOT NULL,
	"slots" integer NOT NULL,
	"operator" text NOT NULL,
	"reason" text NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "capacity_changes" ADD CONSTRAINT "capacity_changes_clinic_id_clinics_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."clinics"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "capacity_changes_clinic_idx" ON "capacity_changes" USING btree ("clinic_id","date");