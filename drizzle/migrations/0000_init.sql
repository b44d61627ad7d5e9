CREATE TABLE "clinics" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"address" text NOT NULL,
	"phone" text NOT NULL,
	"region_code" text NOT NULL,
	"vaccine_code" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cohort_windows" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"name_ko" text NOT NULL,
	"birth_from" date NOT NULL,
	"birth_to" date NOT NULL,
	"birth_day_digit" smallint,
	"opens_at" timestamp with time zone NOT NULL,
	"closes_at" timestamp with time zone NOT NULL,
	"vaccine_code" text,
	"allow_proxy" boolean DEFAULT true NOT NULL,
	CONSTRAINT "cohort_windows_digit_ck" CHECK ("cohort_windows"."birth_day_digit" is null or "cohort_windows"."birth_day_digit" between 0 and 9),
	CONSTRAINT "cohort_windows_order_ck" CHECK ("cohort_windows"."opens_at" < "cohort_windows"."closes_at" and "cohort_windows"."birth_from" <= "cohort_windows"."birth_to")
);
--> statement-breakpoint
CREATE TABLE "holds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slot_id" bigint NOT NULL,
	"person_id" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "identity_challenges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"phone" text NOT NULL,
	"client_key" text NOT NULL,
	"name" text NOT NULL,
	"rrn_hash" text NOT NULL,
	"rrn_cipher" text NOT NULL,
	"birth_date" date NOT NULL,
	"sex" text NOT NULL,
	"code_hash" text NOT NULL,
	"attempts" smallint DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"verified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "people" (
	"id" serial PRIMARY KEY NOT NULL,
	"rrn_hash" text NOT NULL,
	"rrn_cipher" text NOT NULL,
	"name" text NOT NULL,
	"birth_date" date NOT NULL,
	"sex" text NOT NULL,
	"phone" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "people_rrn_hash_unique" UNIQUE("rrn_hash")
);
--> statement-breakpoint
CREATE TABLE "regions" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"name_en" text NOT NULL,
	"level" smallint NOT NULL,
	"parent_code" text,
	CONSTRAINT "regions_level_ck" CHECK ("regions"."level" in (1, 2))
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"person_id" integer NOT NULL,
	"subject_id" integer,
	"relationship" text,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slots" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"clinic_id" integer NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"vaccine_code" text NOT NULL,
	"capacity" integer NOT NULL,
	"taken" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "slots_taken_ck" CHECK ("slots"."taken" >= 0 and "slots"."taken" <= "slots"."capacity")
);
--> statement-breakpoint
CREATE TABLE "vaccines" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"name_ko" text NOT NULL,
	"doses" smallint NOT NULL,
	"second_dose_days" smallint,
	"second_dose_min_days" smallint,
	"second_dose_max_days" smallint
);
--> statement-breakpoint
ALTER TABLE "clinics" ADD CONSTRAINT "clinics_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clinics" ADD CONSTRAINT "clinics_vaccine_code_vaccines_code_fk" FOREIGN KEY ("vaccine_code") REFERENCES "public"."vaccines"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cohort_windows" ADD CONSTRAINT "cohort_windows_vaccine_code_vaccines_code_fk" FOREIGN KEY ("vaccine_code") REFERENCES "public"."vaccines"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_slot_id_slots_id_fk" FOREIGN KEY ("slot_id") REFERENCES "public"."slots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "regions" ADD CONSTRAINT "regions_parent_code_regions_code_fk" FOREIGN KEY ("parent_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_subject_id_people_id_fk" FOREIGN KEY ("subject_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slots" ADD CONSTRAINT "slots_clinic_id_clinics_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."clinics"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slots" ADD CONSTRAINT "slots_vaccine_code_vaccines_code_fk" FOREIGN KEY ("vaccine_code") REFERENCES "public"."vaccines"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "clinics_region_idx" ON "clinics" USING btree ("region_code","vaccine_code");--> statement-breakpoint
CREATE INDEX "cohort_windows_open_idx" ON "cohort_windows" USING btree ("opens_at","closes_at");--> statement-breakpoint
CREATE INDEX "holds_slot_active_idx" ON "holds" USING btree ("slot_id","expires_at");--> statement-breakpoint
CREATE INDEX "holds_person_idx" ON "holds" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "challenges_phone_idx" ON "identity_challenges" USING btree ("phone","created_at");--> statement-breakpoint
CREATE INDEX "challenges_client_idx" ON "identity_challenges" USING btree ("client_key","created_at");--> statement-breakpoint
CREATE INDEX "regions_parent_idx" ON "regions" USING btree ("parent_code");--> statement-breakpoint
CREATE INDEX "sessions_person_idx" ON "sessions" USING btree ("person_id");--> statement-breakpoint
CREATE UNIQUE INDEX "slots_clinic_time_uq" ON "slots" USING btree ("clinic_id","starts_at");