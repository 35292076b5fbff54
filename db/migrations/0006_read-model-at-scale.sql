CREATE TABLE "audit_retractions" (
	"case_id" text NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"canonical" text NOT NULL,
	"hash" char(64) NOT NULL,
	"retracted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_stats_daily" (
	"day" date PRIMARY KEY NOT NULL,
	"opened" integer DEFAULT 0 NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"withdrawn" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "closed_cases" (
	"case_id" text NOT NULL,
	"seq" integer NOT NULL,
	"day" date NOT NULL,
	"kind" text NOT NULL,
	CONSTRAINT "closed_cases_case_id_seq_pk" PRIMARY KEY("case_id","seq")
);
--> statement-breakpoint
CREATE TABLE "decided_tasks" (
	"case_id" text NOT NULL,
	"seq" integer NOT NULL,
	"task_id" text NOT NULL,
	"day" date NOT NULL,
	"department" text NOT NULL,
	"item_code" text NOT NULL,
	"on_time" boolean NOT NULL,
	"used_working_days" integer NOT NULL,
	"committed_working_days" integer NOT NULL,
	"statutory_working_days" integer NOT NULL,
	CONSTRAINT "decided_tasks_case_id_seq_pk" PRIMARY KEY("case_id","seq")
);
--> statement-breakpoint
CREATE TABLE "task_stats_daily" (
	"day" date NOT NULL,
	"department" text NOT NULL,
	"item_code" text NOT NULL,
	"decided" integer DEFAULT 0 NOT NULL,
	"on_time" integer DEFAULT 0 NOT NULL,
	"used_working_days" integer DEFAULT 0 NOT NULL,
	"committed_working_days" integer DEFAULT 0 NOT NULL,
	"statutory_working_days" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "task_stats_daily_day_department_item_code_pk" PRIMARY KEY("day","department","item_code")
);
--> statement-breakpoint
DROP INDEX "cases_status_idx";--> statement-breakpoint
DROP INDEX "escalations_status_level_idx";--> statement-breakpoint
DROP INDEX "tasks_department_status_idx";--> statement-breakpoint
DROP INDEX "tasks_deadline_idx";--> statement-breakpoint
DROP INDEX "cases_created_idx";--> statement-breakpoint
DROP INDEX "notifications_created_idx";--> statement-breakpoint
ALTER TABLE "calendar_publications" ADD COLUMN "publication_id" text;--> statement-breakpoint
ALTER TABLE "calendar_publications" ADD COLUMN "status" text DEFAULT 'done' NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_publications" ADD COLUMN "open_cases_total" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_publications" ADD COLUMN "open_cases_updated" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_publications" ADD COLUMN "finished_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "accepted_on" date;--> statement-breakpoint
-- cases from before: their acceptance date in the default zone (Asia/Shanghai)
UPDATE "cases" SET "accepted_on" = ("accepted_at" AT TIME ZONE 'Asia/Shanghai')::date;--> statement-breakpoint
ALTER TABLE "cases" ALTER COLUMN "accepted_on" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "workflow_ran" boolean DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE "cases" SET "workflow_ran" = "version" > 0;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "board_deadline" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "board_yellow_from" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "board_no_activity_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "board_applicant_silent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "board_from" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "board_running" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "board_departments" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "escalation_level" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_retractions_case_idx" ON "audit_retractions" USING btree ("case_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_publications_id_idx" ON "calendar_publications" USING btree ("publication_id");--> statement-breakpoint
CREATE INDEX "cases_status_created_idx" ON "cases" USING btree ("status","created_at" DESC NULLS LAST,"case_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "cases_board_red_idx" ON "cases" USING btree ("board_deadline","escalation_level" DESC NULLS LAST,"case_id") WHERE "cases"."status" = 'open';--> statement-breakpoint
CREATE INDEX "cases_board_from_idx" ON "cases" USING btree ("board_from") WHERE "cases"."status" = 'open';--> statement-breakpoint
CREATE INDEX "cases_unstarted_idx" ON "cases" USING btree ("created_at") WHERE not "cases"."workflow_ran";--> statement-breakpoint
CREATE INDEX "escalations_opened_idx" ON "escalations" USING btree ("opened_at" DESC NULLS LAST,"escalation_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "escalations_status_opened_idx" ON "escalations" USING btree ("status","opened_at" DESC NULLS LAST,"escalation_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "notifications_audience_idx" ON "notifications" USING btree ("audience","department","created_at" DESC NULLS LAST,"notification_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tasks_inbox_idx" ON "tasks" USING btree ("department","deadline","task_id");--> statement-breakpoint
CREATE INDEX "tasks_inbox_status_idx" ON "tasks" USING btree ("department","status","deadline","task_id");--> statement-breakpoint
CREATE INDEX "tasks_all_by_deadline_idx" ON "tasks" USING btree ("deadline","task_id");--> statement-breakpoint
CREATE INDEX "tasks_running_deadline_idx" ON "tasks" USING btree ("deadline","department","item_code") WHERE "tasks"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "cases_created_idx" ON "cases" USING btree ("created_at" DESC NULLS LAST,"case_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "notifications_created_idx" ON "notifications" USING btree ("created_at" DESC NULLS LAST,"notification_id" DESC NULLS LAST);--> statement-breakpoint
-- Statistics kept by triggers: each decision and closing row adds its figures, a retracted one takes them back.
CREATE FUNCTION approval_count_decided() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO task_stats_daily AS s (day, department, item_code, decided, on_time, used_working_days, committed_working_days, statutory_working_days)
    VALUES (NEW.day, NEW.department, NEW.item_code, 1, NEW.on_time::int, NEW.used_working_days, NEW.committed_working_days, NEW.statutory_working_days)
    ON CONFLICT (day, department, item_code) DO UPDATE SET
      decided = s.decided + 1, on_time = s.on_time + EXCLUDED.on_time,
      used_working_days = s.used_working_days + EXCLUDED.used_working_days,
      committed_working_days = s.committed_working_days + EXCLUDED.committed_working_days,
      statutory_working_days = s.statutory_working_days + EXCLUDED.statutory_working_days;
    RETURN NEW;
  END IF;
  UPDATE task_stats_daily SET
    decided = decided - 1, on_time = on_time - OLD.on_time::int,
    used_working_days = used_working_days - OLD.used_working_days,
    committed_working_days = committed_working_days - OLD.committed_working_days,
    statutory_working_days = statutory_working_days - OLD.statutory_working_days
  WHERE day = OLD.day AND department = OLD.department AND item_code = OLD.item_code;
  RETURN OLD;
END $$;--> statement-breakpoint
CREATE TRIGGER decided_tasks_count AFTER INSERT OR DELETE ON decided_tasks FOR EACH ROW EXECUTE FUNCTION approval_count_decided();--> statement-breakpoint
CREATE FUNCTION approval_count_closed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r closed_cases;
  delta int;
BEGIN
  IF TG_OP = 'INSERT' THEN r := NEW; delta := 1; ELSE r := OLD; delta := -1; END IF;
  INSERT INTO case_stats_daily AS s (day, completed, rejected, withdrawn)
  VALUES (r.day, (r.kind = 'completed')::int * delta, (r.kind = 'rejected')::int * delta, (r.kind = 'withdrawn')::int * delta)
  ON CONFLICT (day) DO UPDATE SET
    completed = s.completed + EXCLUDED.completed, rejected = s.rejected + EXCLUDED.rejected, withdrawn = s.withdrawn + EXCLUDED.withdrawn;
  RETURN r;
END $$;--> statement-breakpoint
CREATE TRIGGER closed_cases_count AFTER INSERT OR DELETE ON closed_cases FOR EACH ROW EXECUTE FUNCTION approval_count_closed();--> statement-breakpoint
CREATE FUNCTION approval_count_opened() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_stats_daily AS s (day, opened) VALUES (NEW.accepted_on, 1)
  ON CONFLICT (day) DO UPDATE SET opened = s.opened + 1;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER cases_count_opened AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION approval_count_opened();--> statement-breakpoint
-- The audit trail is append-only: no UPDATE, and no DELETE but the retraction of events a
-- discarded workflow task wrote (activities/read-model.ts), which sets approval.retracting first
-- and keeps what it takes back in audit_retractions.
CREATE FUNCTION approval_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('approval.retracting', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the audit trail is append-only (% on audit_events refused)', TG_OP USING ERRCODE = '42501';
END $$;--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION approval_audit_append_only();--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION approval_audit_append_only();--> statement-breakpoint
-- The statistics of what came before, from the audit trail (decision and closing events) and the cases.
INSERT INTO decided_tasks (case_id, seq, task_id, day, department, item_code, on_time, used_working_days, committed_working_days, statutory_working_days)
SELECT a.case_id, a.seq, t.task_id, (t.decided_at AT TIME ZONE 'Asia/Shanghai')::date, t.department, t.item_code,
  coalesce(t.decision->>'decision', '') <> 'deemed_consent' AND t.decided_at <= t.deadline,
  t.used_working_days, t.committed_working_days + coalesce((t.extension->>'workingDays')::int, 0), t.statutory_working_days
FROM audit_events a JOIN tasks t ON t.task_id = (a.canonical::jsonb)->'data'->>'taskId'
WHERE a.type = 'task_decided' AND (a.canonical::jsonb)->'data'->>'decision' IN ('approve', 'reject', 'deemed_consent')
  AND t.status IN ('approved', 'rejected') AND t.decided_at IS NOT NULL;--> statement-breakpoint
INSERT INTO closed_cases (case_id, seq, day, kind)
SELECT a.case_id, a.seq, (c.closed_at AT TIME ZONE 'Asia/Shanghai')::date, substring(a.type from 6)
FROM audit_events a JOIN cases c ON c.case_id = a.case_id
WHERE a.type IN ('case_completed', 'case_rejected', 'case_withdrawn') AND c.closed_at IS NOT NULL;--> statement-breakpoint
INSERT INTO case_stats_daily AS s (day, opened) SELECT accepted_on, count(*) FROM cases GROUP BY accepted_on
ON CONFLICT (day) DO UPDATE SET opened = s.opened + EXCLUDED.opened;--> statement-breakpoint
-- The board's columns of the cases open before (their stall moments come with their next write).
UPDATE cases c SET
  board_deadline = b.deadline, board_yellow_from = b.yellow_from, board_running = b.running,
  board_departments = b.departments, escalation_level = coalesce(e.level, 0),
  board_from = CASE WHEN coalesce(e.level, 0) > 0 THEN 'epoch'::timestamptz ELSE b.yellow_from END
FROM (
  SELECT t.case_id, min(t.deadline) FILTER (WHERE t.status = 'pending') AS deadline,
    min(t.yellow_from) FILTER (WHERE t.status = 'pending') AS yellow_from,
    bool_or(t.status = 'pending') AS running, array_agg(DISTINCT t.department) AS departments
  FROM tasks t JOIN cases o ON o.case_id = t.case_id AND o.current_stage = t.stage
  WHERE t.status IN ('blocked', 'pending', 'awaiting_supplement') GROUP BY t.case_id
) b LEFT JOIN (SELECT case_id, max(level) AS level FROM escalations WHERE status = 'open' GROUP BY case_id) e ON e.case_id = b.case_id
WHERE c.case_id = b.case_id AND c.status = 'open';
