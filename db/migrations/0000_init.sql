CREATE TABLE "audit_events" (
	"case_id" text NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"canonical" text NOT NULL,
	"prev_hash" char(64) NOT NULL,
	"hash" char(64) NOT NULL,
	CONSTRAINT "audit_events_case_id_seq_pk" PRIMARY KEY("case_id","seq")
);
--> statement-breakpoint
CREATE TABLE "calendar_years" (
	"year" integer PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"holidays" jsonb NOT NULL,
	"make_up_days" jsonb NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_by" jsonb
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"case_id" text PRIMARY KEY NOT NULL,
	"project_code" text NOT NULL,
	"project_name" text NOT NULL,
	"project_type" text NOT NULL,
	"applicant" jsonb NOT NULL,
	"location" text,
	"total_investment" double precision,
	"land_area" double precision,
	"floor_area" double precision,
	"materials" jsonb NOT NULL,
	"status" text NOT NULL,
	"current_stage" text NOT NULL,
	"awaiting" text,
	"catalog_version" integer NOT NULL,
	"accepted_at" timestamp with time zone NOT NULL,
	"opened_by" jsonb NOT NULL,
	"closed_at" timestamp with time zone,
	"start_input" jsonb NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "catalog_versions" (
	"version" integer PRIMARY KEY NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "certificates" (
	"number" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"item_code" text NOT NULL,
	"case_id" text NOT NULL,
	"task_id" text NOT NULL,
	"project_code" text NOT NULL,
	"holder" text NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"verification_code" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"subject" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" char(64) NOT NULL,
	"status_code" integer,
	"response" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_subject_key_pk" PRIMARY KEY("subject","key")
);
--> statement-breakpoint
CREATE TABLE "stages" (
	"case_id" text NOT NULL,
	"code" text NOT NULL,
	"order" integer NOT NULL,
	"status" text NOT NULL,
	"opened_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"committed_days" integer NOT NULL,
	"materials" jsonb,
	CONSTRAINT "stages_case_id_code_pk" PRIMARY KEY("case_id","code")
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"task_id" text PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"stage" text NOT NULL,
	"item_code" text NOT NULL,
	"item_name" text NOT NULL,
	"item_name_en" text NOT NULL,
	"department" text NOT NULL,
	"status" text NOT NULL,
	"committed_working_days" integer NOT NULL,
	"statutory_working_days" integer NOT NULL,
	"warning_days" integer NOT NULL,
	"deemed_consent" boolean NOT NULL,
	"start_date" date,
	"due_date" date,
	"deadline" timestamp with time zone,
	"yellow_from" timestamp with time zone,
	"derivation" jsonb,
	"used_before_run" integer DEFAULT 0 NOT NULL,
	"used_working_days" integer DEFAULT 0 NOT NULL,
	"remaining_working_days" integer NOT NULL,
	"extension" jsonb,
	"supplement" jsonb,
	"decision" jsonb,
	"pending_since" timestamp with time zone,
	"decided_at" timestamp with time zone,
	"last_event_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "cases_one_open_per_project" ON "cases" USING btree ("project_code") WHERE "cases"."status" = 'open';--> statement-breakpoint
CREATE INDEX "cases_status_idx" ON "cases" USING btree ("status");--> statement-breakpoint
CREATE INDEX "cases_created_idx" ON "cases" USING btree ("created_at","case_id");--> statement-breakpoint
CREATE INDEX "certificates_case_idx" ON "certificates" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "tasks_case_idx" ON "tasks" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "tasks_department_status_idx" ON "tasks" USING btree ("department","status");--> statement-breakpoint
CREATE INDEX "tasks_deadline_idx" ON "tasks" USING btree ("deadline");