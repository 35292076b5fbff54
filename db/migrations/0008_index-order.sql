DROP INDEX "cases_status_created_idx";--> statement-breakpoint
DROP INDEX "cases_created_idx";--> statement-breakpoint
DROP INDEX "cases_board_red_idx";--> statement-breakpoint
DROP INDEX "escalations_opened_idx";--> statement-breakpoint
DROP INDEX "escalations_status_opened_idx";--> statement-breakpoint
DROP INDEX "notifications_created_idx";--> statement-breakpoint
DROP INDEX "notifications_audience_idx";--> statement-breakpoint
CREATE INDEX "cases_status_created_idx" ON "cases" USING btree ("status","created_at" DESC NULLS FIRST,"case_id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "cases_created_idx" ON "cases" USING btree ("created_at" DESC NULLS FIRST,"case_id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "cases_board_red_idx" ON "cases" USING btree ("board_deadline","escalation_level" DESC NULLS FIRST,"case_id") WHERE "cases"."status" = 'open';--> statement-breakpoint
CREATE INDEX "escalations_opened_idx" ON "escalations" USING btree ("opened_at" DESC NULLS FIRST,"escalation_id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "escalations_status_opened_idx" ON "escalations" USING btree ("status","opened_at" DESC NULLS FIRST,"escalation_id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "notifications_created_idx" ON "notifications" USING btree ("created_at" DESC NULLS FIRST,"notification_id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "notifications_audience_idx" ON "notifications" USING btree ("audience","department","created_at" DESC NULLS FIRST,"notification_id" DESC NULLS FIRST);