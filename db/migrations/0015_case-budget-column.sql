-- The budget a case was opened under, as a column of its own (generated from the start input):
-- a decision reads it with its task, and reading it from start_input unpacked the whole
-- 29 KB plan on every decision.
ALTER TABLE "cases" ADD COLUMN "budget" jsonb GENERATED ALWAYS AS (start_input -> 'rules' -> 'budget') STORED;
