/**
 * The reviewer's work: the department inbox ordered by deadline (GET /v1/tasks), and a task page
 * with the application, its materials, the decisions already taken in the case and the decision
 * form (准予 with conditions / 不予许可 with reasons / 补正 with the missing materials, all at once).
 * Every control is a native form control: the whole form works from the keyboard.
 */
import { useRef, useState, type FormEvent } from 'react';
import { api, enc, getCatalog, query, type CaseSummaryView, type CaseView, type List, type TaskView } from '../api.js';
import type { Identity } from '../auth.js';
import { formatInstant, useLabel, useLang, useName, useTr } from '../i18n.js';
import { ErrorNote, formatDateTime, LightBadge, Link, Loading, Pager, useDepartmentName, useLoad, usePager, useStageName } from '../ui.js';

export function InboxPage({ identity }: { identity: Identity }) {
  const tr = useTr();
  const label = useLabel();
  const lang = useLang();
  const [status, setStatus] = useState('pending');
  const [light, setLight] = useState('');
  const pager = usePager();
  const catalog = useLoad(() => getCatalog(), []);
  const department = useDepartmentName(catalog.data);
  const inbox = useLoad(async () => {
    const tasks = await api<List<TaskView>>('GET', `/v1/tasks${query({ status, light, limit: 50, cursor: pager.cursor })}`);
    // project names for the rows: the cases the caller may read, one call
    const cases = await api<List<CaseSummaryView>>('GET', `/v1/cases${query({ status: 'open', limit: 200, department: identity.role === 'reviewer' ? identity.department : undefined })}`).catch(
      () => ({ items: [] as CaseSummaryView[], nextCursor: null }),
    );
    return { tasks, names: new Map(cases.items.map((c) => [c.caseId, c])) };
  }, [status, light, pager.cursor]);

  return (
    <>
      <h1>
        {tr('待办审查', 'Inbox')}
        {identity.department ? ` · ${department(identity.department)}` : ''}
      </h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="inbox-status">{tr('状态', 'Status')}</label>
          <select id="inbox-status" value={status} onChange={(e) => { pager.reset(); setStatus(e.target.value); }}>
            <option value="">{tr('全部', 'All')}</option>
            {['pending', 'awaiting_supplement', 'blocked', 'approved', 'rejected'].map((s) => (
              <option key={s} value={s}>
                {label('taskStatus', s)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="inbox-light">{tr('灯色', 'Light')}</label>
          <select id="inbox-light" value={light} onChange={(e) => { pager.reset(); setLight(e.target.value); }}>
            <option value="">{tr('全部', 'All')}</option>
            {['red', 'yellow', 'green', 'paused', 'done'].map((s) => (
              <option key={s} value={s}>
                {label('light', s)}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={inbox.reload}>
          {tr('刷新', 'Refresh')}
        </button>
      </form>
      <ErrorNote error={inbox.error} />
      {inbox.loading && !inbox.data ? <Loading /> : null}
      {inbox.data && inbox.data.tasks.items.length === 0 ? <p>{tr('没有待办事项。', 'Nothing to do.')}</p> : null}
      {inbox.data && inbox.data.tasks.items.length > 0 ? (
        <div className="table-wrap">
          <table className="inbox">
            <caption className="visually-hidden">{tr('按办结期限排序', 'Ordered by deadline')}</caption>
            <thead>
              <tr>
                <th scope="col">{tr('灯色', 'Light')}</th>
                <th scope="col">{tr('办结期限', 'Due')}</th>
                <th scope="col">{tr('剩余工作日', 'Working days left')}</th>
                <th scope="col">{tr('事项', 'Item')}</th>
                <th scope="col">{tr('项目', 'Project')}</th>
                <th scope="col">{tr('状态', 'Status')}</th>
              </tr>
            </thead>
            <tbody>
              {inbox.data.tasks.items.map((task) => {
                const project = inbox.data!.names.get(task.caseId);
                return (
                  <tr key={task.taskId} className={`row-${task.light}`}>
                    <td>
                      <LightBadge light={task.light} />
                    </td>
                    <td>{task.dueDate ?? '—'}</td>
                    <td className="num">{task.status === 'pending' || task.status === 'awaiting_supplement' ? task.remainingWorkingDays : '—'}</td>
                    <td>
                      <Link to={`/tasks/${task.caseId}/${task.taskId}`}>{lang === 'zh' ? task.itemName : task.itemNameEn}</Link>
                      {identity.role !== 'reviewer' ? <div className="muted small">{department(task.department)}</div> : null}
                    </td>
                    <td>
                      {project ? project.projectName : task.caseId}
                      {project ? <div className="muted small">{project.projectCode}</div> : null}
                    </td>
                    <td>{label('taskStatus', task.status)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <Pager pager={pager} nextCursor={inbox.data?.tasks.nextCursor} />
    </>
  );
}

export function TaskPage({ caseId, taskId, identity }: { caseId: string; taskId: string; identity: Identity }) {
  const tr = useTr();
  const label = useLabel();
  const lang = useLang();
  const name = useName();
  const data = useLoad(async () => ({ view: await api<CaseView>('GET', `/v1/cases/${enc(caseId)}`), catalog: await getCatalog() }), [caseId]);
  const [decided, setDecided] = useState<TaskView | null>(null);
  const department = useDepartmentName(data.data?.catalog ?? null);
  const stageName = useStageName(data.data?.catalog ?? null);
  if (data.error) return <ErrorNote error={data.error} />;
  if (!data.data) return <Loading />;
  const { view, catalog } = data.data;
  const tasks = view.stages.flatMap((s) => s.tasks);
  const task = tasks.find((t) => t.taskId === taskId);
  if (!task) return <ErrorNote error={new Error(tr('此案件中没有该事项（或无权查看）。', 'No such task in this case (or not visible to you).'))} />;
  const item = catalog.items.find((i) => i.code === task.itemCode);
  const pendingHere = view.pendingMaterials.filter((m) => m.itemCode === task.itemCode);
  const received = new Map(view.materials.filter((m) => m.code).map((m) => [m.code!, m]));
  const decisions = tasks.filter((t) => t.decision || t.supplement).sort((a, b) => (a.decision?.at ?? '').localeCompare(b.decision?.at ?? ''));
  const mayDecide = (identity.role === 'admin' || (identity.role === 'reviewer' && identity.department === task.department)) && task.status === 'pending';

  return (
    <article>
      <h1>
        {lang === 'zh' ? task.itemName : task.itemNameEn} <LightBadge light={task.light} />
      </h1>
      <p className="muted">
        {view.projectName} · {view.projectCode} · {stageName(task.stage)} · {department(task.department)} ·{' '}
        <Link to={`/cases/${view.caseId}`}>{tr('案件全貌', 'The whole case')}</Link>
      </p>
      <dl className="facts">
        <dt>{tr('状态', 'Status')}</dt>
        <dd>{label('taskStatus', task.status)}</dd>
        <dt>{tr('办结期限', 'Due')}</dt>
        <dd>
          {task.dueDate ? `${task.dueDate} 24:00` : '—'} ·{' '}
          {tr(`已用 ${task.usedWorkingDays} / 剩余 ${task.remainingWorkingDays} 个工作日`, `${task.usedWorkingDays} used / ${task.remainingWorkingDays} working days left`)}
        </dd>
        <dt>{tr('建设单位', 'Applicant')}</dt>
        <dd>
          {view.applicant.name} · {view.applicant.creditCode}
        </dd>
        <dt>{tr('项目类型', 'Project type')}</dt>
        <dd>{name(catalog.projectTypes.find((t) => t.code === view.projectType)?.name, view.projectType)}</dd>
        <dt>{tr('建设地点', 'Location')}</dt>
        <dd>{view.location ?? '—'}</dd>
        <dt>{tr('总投资 / 用地 / 建筑面积', 'Investment / land / floor area')}</dt>
        <dd>
          {view.totalInvestment ?? '—'} {tr('元', 'yuan')} / {view.landArea ?? '—'} ㎡ / {view.floorArea ?? '—'} ㎡
        </dd>
      </dl>

      <section aria-labelledby="materials-title">
        <h2 id="materials-title">{tr('本事项申请材料', "This item's materials")}</h2>
        <ul className="materials">
          {(item?.materials ?? []).map((m) => {
            const got = received.get(m.code);
            const pending = pendingHere.find((p) => p.code === m.code);
            return (
              <li key={m.code} className={got ? 'ok' : pending ? 'warn' : m.optional ? 'muted' : 'error-text'}>
                {got ? '✓' : pending ? '⏳' : m.optional ? '○' : '✗'} {name(m.name)} × {m.copies}
                {got ? ` (${tr('已收', 'received')} ${got.copies ?? 1})` : ''}
                {pending ? ` — ${tr('容缺，期限', 'deferred, due')} ${pending.dueDate}` : ''}
                {m.optional ? ` (${tr('选交', 'optional')})` : ''}
              </li>
            );
          })}
        </ul>
        {task.supplement?.materials ? (
          <p className="small">
            {tr('补正材料', 'Supplementary materials')}: {task.supplement.materials.map((m) => m.name).join('；')}
          </p>
        ) : null}
      </section>

      <section aria-labelledby="earlier-title">
        <h2 id="earlier-title">{tr('本案已有审查意见', 'Decisions already taken in this case')}</h2>
        {decisions.length === 0 ? <p className="muted">{tr('暂无。', 'None yet.')}</p> : null}
        <ul>
          {decisions.map((t) => (
            <li key={t.taskId}>
              <strong>{lang === 'zh' ? t.itemName : t.itemNameEn}</strong> ({department(t.department)}):{' '}
              {t.decision ? (
                <>
                  {label('decision', t.decision.decision)} · {t.decision.by.name} · {formatDateTime(t.decision.at)}
                  {t.decision.opinion ? ` · ${t.decision.opinion}` : ''}
                  {t.decision.conditions.length ? ` · ${tr('附条件', 'conditions')}: ${t.decision.conditions.join('；')}` : ''}
                </>
              ) : t.supplement ? (
                <>
                  {tr('要求补正', 'Supplement requested')} {formatInstant(t.supplement.requestedAt)} · {t.supplement.opinion} · {t.supplement.missingMaterials.join('；')}
                  {t.supplement.resubmittedAt ? ` · ${tr('已补正', 'resubmitted')} ${formatInstant(t.supplement.resubmittedAt)}` : ''}
                </>
              ) : null}
            </li>
          ))}
        </ul>
      </section>

      {decided ? (
        <p className="ok" role="status">
          {tr('已提交审查决定。', 'Decision recorded.')} {label('taskStatus', decided.status)} · <Link to="/inbox">{tr('返回待办', 'Back to the inbox')}</Link>
        </p>
      ) : mayDecide ? (
        <DecisionForm
          task={task}
          materialNames={(item?.materials ?? []).map((m) => name(m.name))}
          onDone={(answer) => {
            setDecided(answer);
            data.reload();
          }}
        />
      ) : (
        <p className="muted">
          {task.status === 'pending'
            ? tr('此事项属于其他部门，只能查看。', 'This task belongs to another department: read only.')
            : tr('此事项当前不在审查中。', 'This task is not pending a decision.')}
        </p>
      )}
    </article>
  );
}

type Kind = 'approve' | 'reject' | 'request_supplement';

function DecisionForm({ task, materialNames, onDone }: { task: TaskView; materialNames: string[]; onDone(answer: TaskView): void }) {
  const tr = useTr();
  const [kind, setKind] = useState<Kind>('approve');
  const [opinion, setOpinion] = useState('');
  const [conditions, setConditions] = useState('');
  const [missing, setMissing] = useState<string[]>([]);
  const [otherMissing, setOtherMissing] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const problemRef = useRef<HTMLParagraphElement>(null);

  const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    let body: Record<string, unknown>;
    if (kind === 'approve') {
      body = { decision: 'approve', ...(opinion.trim() ? { opinion: opinion.trim() } : {}), ...(lines(conditions).length ? { conditions: lines(conditions) } : {}) };
    } else if (kind === 'reject') {
      if (!opinion.trim()) {
        setProblem(tr('不予许可须说明理由。', 'A rejection needs its reasons.'));
        return;
      }
      body = { decision: 'reject', opinion: opinion.trim() };
    } else {
      const all = [...missing, ...lines(otherMissing)];
      if (!opinion.trim() || all.length === 0) {
        setProblem(tr('要求补正须填写意见，并一次性列明全部缺少的材料。', 'A supplement request needs an opinion and every missing material, all at once.'));
        return;
      }
      body = { decision: 'request_supplement', opinion: opinion.trim(), missingMaterials: all };
    }
    setBusy(true);
    setError(null);
    try {
      onDone(await api<TaskView>('POST', `/v1/cases/${enc(task.caseId)}/tasks/${enc(task.taskId)}/decision`, body));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="decision" onSubmit={(e) => void submit(e)} aria-labelledby="decision-title" noValidate>
      <h2 id="decision-title">{tr('审查决定', 'Decision')}</h2>
      <fieldset>
        <legend>{tr('决定', 'Outcome')}</legend>
        {(
          [
            ['approve', tr('准予（可附条件）', 'Approve (with conditions if any)')],
            ['reject', tr('不予许可（须说明理由）', 'Reject (with reasons)')],
            ['request_supplement', tr('要求补正材料（一次性告知）', 'Request supplementary materials (all at once)')],
          ] as [Kind, string][]
        ).map(([value, text]) => (
          <div key={value} className="radio">
            <input id={`decision-${value}`} type="radio" name="decision" value={value} checked={kind === value} onChange={() => setKind(value)} />
            <label htmlFor={`decision-${value}`}>{text}</label>
          </div>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor="opinion">
          {kind === 'approve' ? tr('审查意见（可选）', 'Opinion (optional)') : kind === 'reject' ? tr('不予许可理由', 'Reasons for rejection') : tr('补正意见', 'Opinion')}
        </label>
        <textarea id="opinion" rows={3} value={opinion} onChange={(e) => setOpinion(e.target.value)} maxLength={2000} required={kind !== 'approve'} />
      </div>
      {kind === 'approve' ? (
        <div className="field">
          <label htmlFor="conditions">{tr('附加条件（每行一条，可选）', 'Conditions (one per line, optional)')}</label>
          <textarea id="conditions" rows={3} value={conditions} onChange={(e) => setConditions(e.target.value)} />
        </div>
      ) : null}
      {kind === 'request_supplement' ? (
        <fieldset>
          <legend>{tr('缺少的材料', 'Missing materials')}</legend>
          {materialNames.map((m, i) => (
            <div key={m} className="check">
              <input
                id={`missing-${i}`}
                type="checkbox"
                checked={missing.includes(m)}
                onChange={(e) => setMissing((list) => (e.target.checked ? [...list, m] : list.filter((x) => x !== m)))}
              />
              <label htmlFor={`missing-${i}`}>{m}</label>
            </div>
          ))}
          <div className="field">
            <label htmlFor="other-missing">{tr('其他缺少的材料（每行一项）', 'Other missing materials (one per line)')}</label>
            <textarea id="other-missing" rows={2} value={otherMissing} onChange={(e) => setOtherMissing(e.target.value)} />
          </div>
        </fieldset>
      ) : null}
      {problem ? (
        <p className="error" role="alert" ref={problemRef}>
          {problem}
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={busy}>
        {tr('提交决定', 'Submit the decision')}
      </button>
      <ErrorNote error={error} />
    </form>
  );
}
