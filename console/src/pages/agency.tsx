/**
 * 代办 for coordinators (SPEC §6.4): the key projects, theirs first (GET /v1/agency?agent=me) or
 * all; and on a case page the agency panel: designate or reassign the agent, the activity log
 * (site coordination, joint meetings, follow-up visits, problems), record one, solve a problem.
 */
import { useState, type FormEvent } from 'react';
import { api, enc, getCatalog, query, type AgencyActivity, type AgencyProject, type CaseView, type Catalog, type List } from '../api.js';
import type { Identity } from '../auth.js';
import { formatInstant, useLabel, useTr } from '../i18n.js';
import { ErrorNote, LightBadge, Link, Loading, Pager, useAction, useDepartmentName, useLoad, usePager, useStageName } from '../ui.js';

const CATEGORIES = ['industrial', 'key', 'investment'] as const;
const KINDS = ['site_coordination', 'joint_meeting', 'follow_up', 'problem'] as const;
const LIGHTS = ['red', 'yellow', 'green', 'paused', 'done'] as const;

// ---------------------------------------------------------------- 重点项目: the list

export function KeyProjectsPage() {
  const tr = useTr();
  const label = useLabel();
  const [filters, setFilters] = useState({ agent: 'me', category: '', light: '' });
  const pager = usePager();
  const catalog = useLoad(() => getCatalog(), []);
  const stageName = useStageName(catalog.data);
  const list = useLoad(
    () =>
      api<List<AgencyProject>>(
        'GET',
        `/v1/agency${query({ agent: filters.agent === 'me' ? 'me' : undefined, category: filters.category, light: filters.light, limit: 20, cursor: pager.cursor })}`,
      ),
    [filters.agent, filters.category, filters.light, pager.cursor],
  );
  const set = (key: keyof typeof filters) => (value: string) => {
    pager.reset();
    setFilters((f) => ({ ...f, [key]: value }));
  };
  const mine = filters.agent === 'me';
  return (
    <>
      <h1>{tr('重点项目代办', 'Key projects (代办)')}</h1>
      <p className="muted">
        {tr('工业、重点和招商引资项目，由代办员全程跟踪协调。最近指定的在前。', 'Industrial, key and investment-promotion projects, each followed through every stage by its agent. Most recently designated first.')}
      </p>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <fieldset className="scope">
          <legend>{tr('范围', 'Scope')}</legend>
          <label className="check">
            <input type="radio" name="agency-scope" checked={mine} onChange={() => set('agent')('me')} />
            {tr('我代办的项目', 'My projects')}
          </label>
          <label className="check">
            <input type="radio" name="agency-scope" checked={!mine} onChange={() => set('agent')('all')} />
            {tr('全部重点项目', 'All key projects')}
          </label>
        </fieldset>
        <div className="field">
          <label htmlFor="agency-category">{tr('类别', 'Category')}</label>
          <select id="agency-category" value={filters.category} onChange={(e) => set('category')(e.target.value)}>
            <option value="">{tr('全部', 'All')}</option>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {label('agencyCategory', c)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="agency-light">{tr('灯色', 'Light')}</label>
          <select id="agency-light" value={filters.light} onChange={(e) => set('light')(e.target.value)}>
            <option value="">{tr('全部', 'All')}</option>
            {LIGHTS.map((l) => (
              <option key={l} value={l}>
                {label('light', l)}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={list.reload}>
          {tr('刷新', 'Refresh')}
        </button>
      </form>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && list.data.items.length === 0 ? (
        <p>
          {mine
            ? tr('您还没有代办的项目：在案件页的“代办服务”中指定。', 'You are the agent of no project yet: designate one in a case page’s “Agency service”.')
            : tr('没有符合条件的重点项目。', 'No key project matches.')}
        </p>
      ) : null}
      {list.data && list.data.items.length > 0 ? (
        <div className="table-wrap">
          <table className="agency">
            <caption className="visually-hidden">{mine ? tr('我代办的项目', 'My projects') : tr('全部重点项目', 'All key projects')}</caption>
            <thead>
              <tr>
                <th scope="col">{tr('灯色', 'Light')}</th>
                <th scope="col">{tr('项目', 'Project')}</th>
                <th scope="col">{tr('类别', 'Category')}</th>
                <th scope="col">{tr('代办员', 'Agent')}</th>
                <th scope="col">{tr('当前阶段', 'Current stage')}</th>
                <th scope="col">{tr('待解决问题', 'Open problems')}</th>
                <th scope="col">{tr('最近活动', 'Last activity')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((p) => (
                <tr key={p.caseId} className={`row-${p.light}`}>
                  <td>
                    <LightBadge light={p.light} />
                  </td>
                  <td>
                    <Link to={`/cases/${p.caseId}`}>{p.projectName}</Link>
                    <div className="muted small">{p.projectCode}</div>
                  </td>
                  <td>{label('agencyCategory', p.category)}</td>
                  <td>
                    {p.agent.name}
                    <div className="muted small">
                      {tr('指定于', 'since')} {p.since.slice(0, 10)}
                    </div>
                  </td>
                  <td>{stageName(p.currentStage)}</td>
                  <td className={`num${p.openProblems > 0 ? ' warn' : ''}`}>{p.openProblems}</td>
                  <td>{p.lastActivityAt ? formatInstant(p.lastActivityAt) : tr('尚无', 'none yet')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Pager pager={pager} nextCursor={list.data?.nextCursor} />
    </>
  );
}

// ---------------------------------------------------------------- the agency panel on a case page

async function loadActivities(caseId: string): Promise<AgencyActivity[]> {
  const activities: AgencyActivity[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 20; page += 1) {
    const answer: List<AgencyActivity> = await api<List<AgencyActivity>>('GET', `/v1/cases/${enc(caseId)}/agency/activities${query({ limit: 200, cursor })}`);
    activities.push(...answer.items);
    cursor = answer.nextCursor;
    if (!cursor) break;
  }
  return activities;
}

/** For coordinators and administrators: who follows the case as its agent, and what they did. */
export function AgencyPanel({ view, catalog, identity, reload }: { view: CaseView; catalog: Catalog; identity: Identity; reload(): void }) {
  const tr = useTr();
  const label = useLabel();
  const agency = view.agency;
  const activities = useLoad(() => (agency ? loadActivities(view.caseId) : Promise.resolve([])), [view.caseId, agency?.since ?? null]);
  const isOpen = view.status === 'open';
  const changed = () => {
    activities.reload();
    reload();
  };
  const problems = (activities.data ?? []).filter((a) => a.problem);
  const openProblems = problems.filter((a) => a.problem?.status === 'open').length;
  return (
    <section className="agency-panel" aria-labelledby="agency-title">
      <h2 id="agency-title">{tr('代办服务', 'Agency service (代办)')}</h2>
      {agency ? (
        <dl className="facts">
          <dt>{tr('类别', 'Category')}</dt>
          <dd>{label('agencyCategory', agency.category)}</dd>
          <dt>{tr('代办员', 'Agent')}</dt>
          <dd>
            {agency.agent.name} <span className="muted small">({agency.agent.sub})</span>
          </dd>
          <dt>{tr('指定时间', 'Designated')}</dt>
          <dd>{formatInstant(agency.since)}</dd>
          <dt>{tr('问题', 'Problems')}</dt>
          <dd>
            {tr(`共 ${problems.length} 个，待解决 ${openProblems} 个`, `${problems.length} in all, ${openProblems} open`)}
          </dd>
        </dl>
      ) : (
        <p className="muted">{tr('本案件尚未列为代办项目。', 'This case is not a key project yet.')}</p>
      )}
      {isOpen ? (
        <DesignationForm view={view} identity={identity} onDone={changed} />
      ) : (
        <p className="muted">{tr('案件已办结，不能再指定代办或登记活动。', 'The case is closed: no designation or activity can be recorded.')}</p>
      )}
      {agency ? (
        <>
          {isOpen ? <ActivityForm caseId={view.caseId} catalog={catalog} onDone={changed} /> : null}
          <h3 id="activities-title">{tr('代办记录', 'Activity log')}</h3>
          <ErrorNote error={activities.error} />
          {activities.loading && !activities.data ? <Loading /> : null}
          {activities.data && activities.data.length === 0 ? <p className="muted">{tr('尚无记录。', 'Nothing recorded yet.')}</p> : null}
          <ul className="escalations activities" aria-labelledby="activities-title">
            {(activities.data ?? []).map((a) => (
              <ActivityEntry key={a.activityId} activity={a} catalog={catalog} canSolve={isOpen} onDone={changed} />
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function DesignationForm({ view, identity, onDone }: { view: CaseView; identity: Identity; onDone(): void }) {
  const tr = useTr();
  const label = useLabel();
  const agency = view.agency;
  const [category, setCategory] = useState<string>(agency?.category ?? 'key');
  // the signed-in coordinator by default; the current agent when reassigning
  const [sub, setSub] = useState(agency?.agent.sub ?? identity.sub);
  const [name, setName] = useState(agency?.agent.name ?? identity.name);
  const action = useAction(onDone);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(() => api('PUT', `/v1/cases/${enc(view.caseId)}/agency`, { category, agent: { sub: sub.trim(), name: name.trim() } }));
  };
  const title = agency ? tr('改派代办员或类别', 'Reassign the agent or category') : tr('列为代办项目', 'Designate as a key project');
  return (
    <details className="no-print" open={!agency}>
      <summary>{title}</summary>
      <form className="inline-form" onSubmit={submit} aria-label={title}>
        <div className="field">
          <label htmlFor="agency-designate-category">{tr('项目类别', 'Project category')}</label>
          <select id="agency-designate-category" value={category} onChange={(e) => setCategory(e.target.value)}>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {label('agencyCategory', c)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="agency-agent-sub">{tr('代办员账号（sub）', 'Agent account (sub)')}</label>
          <input id="agency-agent-sub" value={sub} onChange={(e) => setSub(e.target.value)} maxLength={200} required />
        </div>
        <div className="field">
          <label htmlFor="agency-agent-name">{tr('代办员姓名', 'Agent name')}</label>
          <input id="agency-agent-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} required />
        </div>
        <button
          type="button"
          onClick={() => {
            setSub(identity.sub);
            setName(identity.name);
          }}
        >
          {tr('由我代办', 'Me as the agent')}
        </button>
        <button type="submit" className="primary" disabled={action.busy || sub.trim() === '' || name.trim() === ''}>
          {agency ? tr('改派', 'Reassign') : tr('指定代办', 'Designate')}
        </button>
        {action.done && !action.error ? (
          <span className="ok" role="status">
            {tr('已保存。', 'Saved.')}
          </span>
        ) : null}
        <ErrorNote error={action.error} />
      </form>
    </details>
  );
}

/** Now in the approval zone as a datetime-local value (YYYY-MM-DDTHH:mm). */
function nowLocalMinute(): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date());
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}`;
}

function ActivityForm({ caseId, catalog, onDone }: { caseId: string; catalog: Catalog; onDone(): void }) {
  const tr = useTr();
  const label = useLabel();
  const department = useDepartmentName(catalog);
  const [kind, setKind] = useState<string>('site_coordination');
  const [summary, setSummary] = useState('');
  const [at, setAt] = useState('');
  const [attendees, setAttendees] = useState<string[]>([]);
  const action = useAction(() => {
    setSummary('');
    setAt('');
    setAttendees([]);
    onDone();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    // a wall-clock time in the approval zone (Asia/Shanghai, UTC+8 all year)
    const body = { kind, summary: summary.trim(), ...(at ? { at: `${at}:00+08:00` } : {}), ...(attendees.length > 0 ? { attendees } : {}) };
    void action.run(() => api('POST', `/v1/cases/${enc(caseId)}/agency/activities`, body));
  };
  const toggle = (code: string, on: boolean) => setAttendees((list) => (on ? [...list, code] : list.filter((c) => c !== code)));
  return (
    <form className="notice-box no-print" onSubmit={submit} aria-labelledby="activity-form-title">
      <h3 id="activity-form-title">{tr('登记代办活动', 'Record an activity')}</h3>
      <div className="grid">
        <div className="field">
          <label htmlFor="activity-kind">{tr('活动类型', 'Kind')}</label>
          <select id="activity-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {label('activityKind', k)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="activity-at">{tr('时间（可选，默认现在）', 'When (optional, default now)')}</label>
          <input id="activity-at" type="datetime-local" value={at} max={nowLocalMinute()} onChange={(e) => setAt(e.target.value)} />
        </div>
      </div>
      <div className="field">
        <label htmlFor="activity-summary">{kind === 'problem' ? tr('问题描述', 'The problem') : tr('情况摘要', 'Summary')}</label>
        <textarea id="activity-summary" rows={2} value={summary} onChange={(e) => setSummary(e.target.value)} maxLength={2000} required />
      </div>
      <fieldset>
        <legend>{tr('参加部门（可选）', 'Departments taking part (optional)')}</legend>
        <div className="grid">
          {catalog.departments.map((d) => (
            <label key={d.code} className="check">
              <input type="checkbox" checked={attendees.includes(d.code)} onChange={(e) => toggle(d.code, e.target.checked)} />
              {department(d.code)}
            </label>
          ))}
        </div>
      </fieldset>
      <button type="submit" className="primary" disabled={action.busy || summary.trim() === ''}>
        {tr('登记', 'Record')}
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}

function ActivityEntry({ activity, catalog, canSolve, onDone }: { activity: AgencyActivity; catalog: Catalog; canSolve: boolean; onDone(): void }) {
  const tr = useTr();
  const label = useLabel();
  const department = useDepartmentName(catalog);
  const problem = activity.problem;
  return (
    <li className={`activity activity-${activity.kind}`}>
      <strong>{label('activityKind', activity.kind)}</strong>
      {problem ? <span className={`tag problem-${problem.status}`}>{label('problemStatus', problem.status)}</span> : null} · {formatInstant(activity.at)} ·{' '}
      {activity.by.name}
      <div>{activity.summary}</div>
      {activity.attendees.length > 0 ? (
        <div className="small">
          {tr('参加部门', 'Departments')}: {activity.attendees.map((code) => department(code)).join('、')}
        </div>
      ) : null}
      {problem?.status === 'solved' ? (
        <div className="ok small">
          {tr('解决', 'Solved')}: {problem.resolution} ({formatInstant(problem.solvedAt)})
        </div>
      ) : null}
      {problem?.status === 'open' && canSolve ? <SolveForm caseId={activity.caseId} activityId={activity.activityId} onDone={onDone} /> : null}
    </li>
  );
}

function SolveForm({ caseId, activityId, onDone }: { caseId: string; activityId: string; onDone(): void }) {
  const tr = useTr();
  const [text, setText] = useState('');
  const action = useAction(onDone);
  const id = `solve-${activityId}`;
  return (
    <form
      className="inline-form no-print"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(() => api('POST', `/v1/cases/${enc(caseId)}/agency/activities/${enc(activityId)}/solve`, { resolution: text.trim() }));
      }}
    >
      <div className="field grow">
        <label htmlFor={id}>{tr('解决情况', 'Resolution')}</label>
        <input id={id} value={text} onChange={(e) => setText(e.target.value)} maxLength={2000} required />
      </div>
      <button type="submit" disabled={action.busy || text.trim() === ''}>
        {tr('标记已解决', 'Mark solved')}
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}
