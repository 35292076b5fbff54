-- GET /v1/stats counts the tasks overdue now from tasks_running_deadline_idx alone (an index-only
-- scan), which answers without the table only where the visibility map is current. With
-- PostgreSQL's default thresholds autovacuum visits a table after a fifth of it is new or changed,
-- so after a city opens many cases most of tasks' pages are unvisited and each of them is read:
-- 272 ms for 60,000 overdue tasks among 225,000, against 31 ms just after a vacuum. Vacuum tasks
-- and cases after 1 % instead (and at least 1,000 rows, PostgreSQL's base threshold).
ALTER TABLE "tasks" SET (autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);--> statement-breakpoint
ALTER TABLE "cases" SET (autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
