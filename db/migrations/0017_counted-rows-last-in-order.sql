-- approval_write_case: the decisions' and closings' rows (whose triggers keep task_stats_daily and
-- case_stats_daily) are inserted last, decisions in (day, department, item_code) order. In 0014 they
-- came first, in event order: two concurrent writes upserting the same two statistics rows in
-- opposite orders deadlocked ("while inserting index tuple … in relation task_stats_daily"), a
-- decision then waited out deadlock_timeout (1 s) and its write's retry. The rows' writes, which a
-- stale write skips, are now an IF block instead of an early RETURN. Otherwise unchanged from 0014.
CREATE OR REPLACE FUNCTION approval_write_case(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_case text := p->>'case_id';
  v_version int := (p->>'version')::int;
  v_full boolean := coalesce((p->>'full')::boolean, false);
  v_current int;
  v_ran boolean;
  v_diverges int;
BEGIN
  SELECT version, workflow_ran INTO v_current, v_ran FROM cases WHERE case_id = v_case FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'case % has no row in the read model', v_case USING ERRCODE = 'P0002';
  END IF;

  SELECT min(a.seq) INTO v_diverges
  FROM audit_events a JOIN jsonb_to_recordset(p->'events') AS e(seq int, hash text) ON a.seq = e.seq
  WHERE a.case_id = v_case AND a.hash <> e.hash;
  IF v_diverges IS NOT NULL THEN
    PERFORM set_config('approval.retracting', 'on', true);
    INSERT INTO audit_retractions (case_id, seq, type, canonical, hash)
      SELECT case_id, seq, type, canonical, hash FROM audit_events WHERE case_id = v_case AND seq >= v_diverges;
    DELETE FROM audit_events WHERE case_id = v_case AND seq >= v_diverges;
    DELETE FROM decided_tasks WHERE case_id = v_case AND seq >= v_diverges;
    DELETE FROM closed_cases WHERE case_id = v_case AND seq >= v_diverges;
    PERFORM set_config('approval.retracting', 'off', true);
  END IF;

  IF coalesce((p->>'by_workflow')::boolean, false) AND NOT v_ran THEN
    UPDATE cases SET workflow_ran = true WHERE case_id = v_case;
  END IF;

  INSERT INTO audit_events (case_id, seq, type, at, canonical, prev_hash, hash)
    SELECT v_case, e.seq, e.type, e.at, e.canonical, e.prev_hash, e.hash
    FROM jsonb_to_recordset(p->'events') AS e(seq int, type text, at timestamptz, canonical text, prev_hash text, hash text)
    ON CONFLICT DO NOTHING;
  INSERT INTO intake_notices SELECT * FROM jsonb_populate_recordset(NULL::intake_notices, p->'notices') ON CONFLICT DO NOTHING;
  INSERT INTO notifications (notification_id, kind, case_id, task_id, audience, department, message, data, created_at)
    SELECT notification_id, kind, case_id, task_id, audience, department, message, data, created_at
    FROM jsonb_populate_recordset(NULL::notifications, p->'notifications')
    ON CONFLICT (notification_id) DO UPDATE SET
      kind = excluded.kind, task_id = excluded.task_id, audience = excluded.audience, department = excluded.department,
      message = excluded.message, data = excluded.data, created_at = excluded.created_at
    WHERE notifications.delivered_at IS NULL;

  -- A stale write (an earlier version than the rows) never overwrites a newer one: the rows are
  -- written unless the condition that used to return early (0014) holds.
  IF (p->'rows' IS NULL OR jsonb_typeof(p->'rows') = 'null' OR NOT (v_version > v_current OR v_full OR v_diverges IS NOT NULL)) IS NOT TRUE THEN

    IF v_full THEN
      DELETE FROM tasks WHERE case_id = v_case
        AND task_id NOT IN (SELECT t->>'task_id' FROM jsonb_array_elements(p->'rows'->'tasks') t);
      DELETE FROM certificates WHERE case_id = v_case
        AND number NOT IN (SELECT c->>'number' FROM jsonb_array_elements(p->'rows'->'certificates') c);
      DELETE FROM escalations WHERE case_id = v_case
        AND escalation_id NOT IN (SELECT e->>'escalation_id' FROM jsonb_array_elements(p->'rows'->'escalations') e);
      DELETE FROM agency_activities WHERE case_id = v_case
        AND activity_id NOT IN (SELECT a->>'activity_id' FROM jsonb_array_elements(coalesce(p->'rows'->'agency_activities', '[]'::jsonb)) a);
    END IF;

    INSERT INTO stages (case_id, code, "order", status, opened_at, closed_at, committed_days, materials,
        lead_department, trips, supplement_notice, result, handout)
      SELECT case_id, code, "order", status, opened_at, closed_at, committed_days, materials,
        lead_department, coalesce(trips, 0), supplement_notice, result, handout
      FROM jsonb_populate_recordset(NULL::stages, p->'rows'->'stages')
      ON CONFLICT (case_id, code) DO UPDATE SET
        "order" = excluded."order", status = excluded.status, opened_at = excluded.opened_at,
        closed_at = excluded.closed_at, committed_days = excluded.committed_days,
        materials = coalesce(excluded.materials, stages.materials),
        lead_department = coalesce(excluded.lead_department, stages.lead_department),
        trips = excluded.trips, supplement_notice = excluded.supplement_notice,
        result = excluded.result, handout = excluded.handout;

    INSERT INTO tasks (task_id, case_id, stage, item_code, item_name, item_name_en, department, status,
        committed_working_days, statutory_working_days, warning_days, deemed_consent, start_date, due_date,
        deadline, yellow_from, derivation, used_before_run, used_working_days, remaining_working_days,
        extension, supplement, decision, pending_since, decided_at, last_event_at)
      SELECT task_id, case_id, stage, item_code, item_name, item_name_en, department, status,
        committed_working_days, statutory_working_days, warning_days, deemed_consent, start_date, due_date,
        deadline, yellow_from, derivation, used_before_run, used_working_days, remaining_working_days,
        extension, supplement, decision, pending_since, decided_at, last_event_at
      FROM jsonb_populate_recordset(NULL::tasks, p->'rows'->'tasks')
      ON CONFLICT (task_id) DO UPDATE SET
        status = excluded.status, committed_working_days = excluded.committed_working_days,
        statutory_working_days = excluded.statutory_working_days, warning_days = excluded.warning_days,
        deemed_consent = excluded.deemed_consent, start_date = excluded.start_date, due_date = excluded.due_date,
        deadline = excluded.deadline, yellow_from = excluded.yellow_from, derivation = excluded.derivation,
        used_before_run = excluded.used_before_run, used_working_days = excluded.used_working_days,
        remaining_working_days = excluded.remaining_working_days, extension = excluded.extension,
        supplement = excluded.supplement, decision = excluded.decision, pending_since = excluded.pending_since,
        decided_at = excluded.decided_at, last_event_at = excluded.last_event_at;

    -- free text, from this write's events, over the rows above (the upsert never touches it)
    UPDATE tasks SET decision_text = x.value
      FROM jsonb_to_recordset(p->'texts'->'decision_text') AS x(task_id text, value jsonb) WHERE tasks.case_id = v_case AND tasks.task_id = x.task_id;
    UPDATE tasks SET supplement_text = x.value
      FROM jsonb_to_recordset(p->'texts'->'supplement_text') AS x(task_id text, value jsonb) WHERE tasks.case_id = v_case AND tasks.task_id = x.task_id;
    UPDATE tasks SET supplement_materials = CASE WHEN jsonb_typeof(x.value) = 'null' THEN NULL ELSE x.value END
      FROM jsonb_to_recordset(p->'texts'->'supplement_materials') AS x(task_id text, value jsonb) WHERE tasks.case_id = v_case AND tasks.task_id = x.task_id;
    UPDATE tasks SET extension_reason = x.value
      FROM jsonb_to_recordset(p->'texts'->'extension_reason') AS x(task_id text, value text) WHERE tasks.case_id = v_case AND tasks.task_id = x.task_id;
    UPDATE stages SET materials = x.value
      FROM jsonb_to_recordset(p->'texts'->'stage_materials') AS x(code text, value jsonb)
      WHERE stages.case_id = v_case AND stages.code = x.code;
    UPDATE stages SET handout_recipient = x.value
      FROM jsonb_to_recordset(p->'texts'->'handout_recipient') AS x(code text, value text)
      WHERE stages.case_id = v_case AND stages.code = x.code;

    INSERT INTO certificates (number, name, item_code, case_id, task_id, project_code, holder, issued_at, verification_code)
      SELECT number, name, item_code, case_id, task_id, project_code, holder, issued_at, verification_code
      FROM jsonb_populate_recordset(NULL::certificates, p->'rows'->'certificates')
      ON CONFLICT DO NOTHING;

    INSERT INTO escalations (escalation_id, case_id, task_id, level, origin, reason, status, opened_at, due_at,
        opened_by, resolved_at, resolution, resolved_by)
      SELECT escalation_id, case_id, task_id, level, origin, reason, status, opened_at, due_at,
        opened_by, resolved_at, resolution, resolved_by
      FROM jsonb_populate_recordset(NULL::escalations, p->'rows'->'escalations')
      ON CONFLICT (escalation_id) DO UPDATE SET
        level = excluded.level, status = excluded.status, due_at = excluded.due_at,
        resolved_at = excluded.resolved_at, resolved_by = excluded.resolved_by,
        reason = CASE WHEN excluded.reason <> '' THEN excluded.reason ELSE escalations.reason END,
        resolution = coalesce(excluded.resolution, escalations.resolution);

    INSERT INTO agency_activities (activity_id, case_id, kind, at, recorded_at, recorded_by, attendees,
        problem_status, solved_at, solved_by)
      SELECT activity_id, case_id, kind, at, recorded_at, recorded_by, attendees, problem_status, solved_at, solved_by
      FROM jsonb_populate_recordset(NULL::agency_activities, p->'rows'->'agency_activities')
      ON CONFLICT (activity_id) DO UPDATE SET
        kind = excluded.kind, at = excluded.at, recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by,
        attendees = excluded.attendees, problem_status = excluded.problem_status, solved_at = excluded.solved_at,
        solved_by = excluded.solved_by;
    UPDATE agency_activities SET summary = x.value
      FROM jsonb_to_recordset(p->'texts'->'agency_summary') AS x(activity_id text, value text)
      WHERE agency_activities.case_id = v_case AND agency_activities.activity_id = x.activity_id;
    UPDATE agency_activities SET resolution = x.value
      FROM jsonb_to_recordset(p->'texts'->'agency_resolution') AS x(activity_id text, value text)
      WHERE agency_activities.case_id = v_case AND agency_activities.activity_id = x.activity_id;

    UPDATE cases c SET
      status = r.status, current_stage = r.current_stage, awaiting = r.awaiting, closed_at = r.closed_at,
      version = v_version,
      board_deadline = CASE WHEN p->'rows'->'case' ? 'board_running' THEN r.board_deadline ELSE c.board_deadline END,
      board_due_index = CASE WHEN p->'rows'->'case' ? 'board_running' THEN r.board_due_index ELSE c.board_due_index END,
      board_yellow_from = CASE WHEN p->'rows'->'case' ? 'board_running' THEN r.board_yellow_from ELSE c.board_yellow_from END,
      board_no_activity_at = CASE WHEN p->'rows'->'case' ? 'board_running' THEN r.board_no_activity_at ELSE c.board_no_activity_at END,
      board_applicant_silent_at = CASE WHEN p->'rows'->'case' ? 'board_running' THEN r.board_applicant_silent_at ELSE c.board_applicant_silent_at END,
      board_from = CASE WHEN p->'rows'->'case' ? 'board_running' THEN r.board_from ELSE c.board_from END,
      board_running = CASE WHEN p->'rows'->'case' ? 'board_running' THEN r.board_running ELSE c.board_running END,
      board_departments = CASE WHEN p->'rows'->'case' ? 'board_running' THEN r.board_departments ELSE c.board_departments END,
      escalation_level = CASE WHEN p->'rows'->'case' ? 'board_running' THEN r.escalation_level ELSE c.escalation_level END,
      pending_materials = CASE WHEN p->'rows'->'case' ? 'pending_materials' THEN r.pending_materials ELSE c.pending_materials END,
      materials_overdue_at = CASE WHEN p->'rows'->'case' ? 'pending_materials' THEN r.materials_overdue_at ELSE c.materials_overdue_at END,
      agency_category = CASE WHEN p->'rows'->'case' ? 'agency_category' THEN r.agency_category ELSE c.agency_category END,
      agency_agent = CASE WHEN p->'rows'->'case' ? 'agency_category' THEN r.agency_agent ELSE c.agency_agent END,
      agency_since = CASE WHEN p->'rows'->'case' ? 'agency_category' THEN r.agency_since ELSE c.agency_since END,
      updated_at = now()
    FROM jsonb_populate_record(NULL::cases, p->'rows'->'case') r
    WHERE c.case_id = v_case;
  END IF;

  -- The counted rows last, their statistics rows in one order (day, department, item): each
  -- decision's trigger upserts its task_stats_daily row, and two writes taking the same rows in
  -- opposite orders deadlocked (PostgreSQL waits a second before it says so, and the write is
  -- retried). Last, because those rows stay locked until the commit.
  INSERT INTO decided_tasks
    SELECT * FROM jsonb_populate_recordset(NULL::decided_tasks, p->'decided') ORDER BY day, department, item_code, case_id, seq
    ON CONFLICT DO NOTHING;
  INSERT INTO closed_cases SELECT * FROM jsonb_populate_recordset(NULL::closed_cases, p->'closed') ON CONFLICT DO NOTHING;

  RETURN jsonb_build_object('retracted', v_diverges IS NOT NULL);
END $$;
