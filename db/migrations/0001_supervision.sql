CREATE TABLE "escalations" (
	"escalation_id" text PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"task_id" text,
	"level" integer NOT NULL,
	"origin" text NOT NULL,
	"reason" text NOT NULL,
	"status" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone,
	"opened_by" jsonb NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolution" text,
	"resolved_by" jsonb
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"notification_id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"case_id" text NOT NULL,
	"task_id" text,
	"audience" text NOT NULL,
	"department" text,
	"message" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"delivered_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "escalations_case_idx" ON "escalations" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "escalations_status_level_idx" ON "escalations" USING btree ("status","level");--> statement-breakpoint
CREATE INDEX "notifications_created_idx" ON "notifications" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "notifications_undelivered_idx" ON "notifications" USING btree ("next_attempt_at") WHERE "notifications"."delivered_at" is null;