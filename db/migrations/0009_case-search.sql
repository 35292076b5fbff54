-- The case list's text search (q: a project code or name, any part of it) on a trigram index,
-- so it stays fast with a city's caseload. pg_trgm ships with PostgreSQL (contrib).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "cases_search_idx" ON "cases" USING gin (("project_code" || ' ' || "project_name") gin_trgm_ops);
