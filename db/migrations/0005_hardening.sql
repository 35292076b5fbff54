CREATE TABLE "api_instances" (
	"instance_id" text PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "fault" jsonb;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "owner" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "extension_reason" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "supplement_text" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "decision_text" jsonb;--> statement-breakpoint
-- Figures stored before numbers were checked (Infinity, NaN) cannot be shown: forget them.
UPDATE "cases" SET "total_investment" = NULL WHERE NOT ("total_investment" between 0 and 1e15);--> statement-breakpoint
UPDATE "cases" SET "land_area" = NULL WHERE NOT ("land_area" between 0 and 1e12);--> statement-breakpoint
UPDATE "cases" SET "floor_area" = NULL WHERE NOT ("floor_area" between 0 and 1e12);--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_total_investment_finite" CHECK ("cases"."total_investment" between 0 and 1e15);--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_land_area_finite" CHECK ("cases"."land_area" between 0 and 1e12);--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_floor_area_finite" CHECK ("cases"."floor_area" between 0 and 1e12);