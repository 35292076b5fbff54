/**
 * The case page, for every role: the four stages as a timeline; each task a bar from its start to
 * its deadline with its pauses (补正) and the decision point, the deadline's derivation on hover or
 * focus; results and certificates; escalations; the audit trail with its hash chain verified by
 * the server; for coordinators and administrators, the agency panel (代办). The actions shown
 * are the ones the signed-in role may take.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import {
  api,
  ApiError,
  enc,
  getCatalog,
  query,
  type AuditEventView,
  type CaseView,
  type Catalog,
  type ConsoleConfig,
  type EventsPage,
  type IntakeNotice,
  type MissingMaterial,
  type StageView,
  type TaskView,
} from '../api.js';
import { can, type Identity } from '../auth.js';
import { formatInstant, todayLocal, useLabel, useLang, useName, useTr } from '../i18n.js';
import {
  Checklist,
  checklistBody,
  ErrorNote,
  formatDateTime,
  LightBadge,
  Link,
  Loading,
  MissingNotice,
  stageChecklist,
  useAction,
  useDepartmentName,
  useLoad,
  useStageName,
  type ChecklistState,
} from '../ui.js';
import { AgencyPanel } from './agency.js';
import { Receipt } from './counter.js';

interface CaseData {
  view: CaseView;
  catalog: Catalog;
  events: AuditEventView[];
  verification: EventsPage['verification'] | null;
}

async function loadEvents(caseId: string): Promise<{ events: AuditEventView[]; verification: EventsPage['verification'] | null }> {
  const events: AuditEventView[] = [];
  let cursor: string | null = null;
  let verification: EventsPage['verification'] | null = null;
  for (let page = 0; page < 50; page += 1) {
    const answer: EventsPage = await api<EventsPage>('GET', `/v1/cases/${enc(caseId)}/events${query({ verify: page === 0 ? true : undefined, limit: 200, cursor })}`);
    if (page === 0) verification = answer.verification ?? null;
    events.push(...answer.items);
    cursor = answer.nextCursor;
    if (!cursor) break;
  }
  return { events, verification };
}

export function CasePage({ caseId, identity, config }: { caseId: string; identity: Identity; config: ConsoleConfig | null }) {
  const data = useLoad<CaseData>(async () => {
    const [view, catalog, trail] = await Promise.all([api<CaseView>('GET', `/v1/cases/${enc(caseId)}`), getCatalog(), loadEvents(caseId)]);
    return { view, catalog, ...trail };
  }, [caseId]);
  if (data.error) return <ErrorNote error={data.error} />;
  if (!data.data) return <Loading />;
  return <CaseDetail data={data.data} identity={identity} config={config} reload={data.reload} refreshing={data.loading} />;
}

function CaseDetail({ data, identity, config, reload, refreshing }: { data: CaseData; identity: Identity; config: ConsoleConfig | null; reload(): void; refreshing: boolean }) {
  const tr = useTr();
  const label = useLabel();
  const name = useName();
  const { view, catalog, events } = data;
  const stageName = useStageName(catalog);
  const type = catalog.projectTypes.find((t) => t.code === view.projectType);
  const role = identity.role;
  const workflowUrl = config?.temporalUiUrl
    ? `${config.temporalUiUrl}/namespaces/${enc(config.temporalNamespace)}/workflows/${enc(`case-${view.caseId}`)}`
    : null;
  const isOpen = view.status === 'open';
  const nextStage = isOpen && view.awaiting === 'applicant' ? view.stages.find((s) => s.status === 'not_started') : undefined;

  return (
    <article className="case-page" aria-busy={refreshing}>
      <header className="case-head">
        <h1>{view.projectName}</h1>
        <p className="muted">
          {view.projectCode} · {name(type?.name, view.projectType)} · {tr('案件', 'case')} {view.caseId}
        </p>
        <div className="badges">
          <LightBadge light={view.light} />
          <span className="tag">{label('caseStatus', view.status)}</span>
          {view.awaiting ? <span className="tag">{label('awaiting', view.awaiting)}</span> : null}
          <span className="tag">{tr(`跑动 ${view.trips.total} 次`, `${view.trips.total} trips to the counter`)}</span>
        </div>
        <dl className="facts">
          <dt>{tr('建设单位', 'Applicant')}</dt>
          <dd>
            {view.applicant.name} · {view.applicant.creditCode}
          </dd>
          <dt>{tr('建设地点', 'Location')}</dt>
          <dd>{view.location ?? '—'}</dd>
          <dt>{tr('受理时间', 'Accepted')}</dt>
          <dd>{formatInstant(view.acceptedAt)}</dd>
          <dt>{tr('当前阶段', 'Current stage')}</dt>
          <dd>{stageName(view.currentStage)}</dd>
        </dl>
        <p className="no-print actions">
          <button type="button" onClick={reload}>
            {tr('刷新', 'Refresh')}
          </button>
          {workflowUrl ? (
            <a href={workflowUrl} target="_blank" rel="noreferrer">
              {tr('在 Temporal Web UI 中查看工作流', 'Open the workflow in the Temporal Web UI')}
            </a>
          ) : null}
        </p>
        {view.fault ? (
          <div className="error" role="alert">
            {tr('案件运行故障，等待管理员恢复：', 'The case is faulted until an administrator recovers it: ')}
            {view.fault.message}
          </div>
        ) : null}
      </header>

      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">{tr('审批阶段', 'Stages')}</h2>
        <ol className="stage-timeline">
          {view.stages.map((stage) => (
            <li key={stage.code} className={`stage-step stage-${stage.status}${stage.code === view.currentStage ? ' current' : ''}`} aria-current={stage.code === view.currentStage ? 'step' : undefined}>
              <span className="step-no" aria-hidden="true">
                {stage.order}
              </span>
              <span className="step-name">{stageName(stage.code)}</span>
              <span className="muted small">{label('stageStatus', stage.status)}</span>
              {stage.status === 'in_review' ? <LightBadge light={stage.light} /> : null}
            </li>
          ))}
        </ol>
      </section>

      {can.counterWork(role) && view.pendingMaterials.length > 0 && isOpen ? <DeliverDeferred view={view} catalog={catalog} onDone={reload} /> : null}
      {can.counterWork(role) && nextStage ? <NextStageApplication view={view} catalog={catalog} stage={nextStage} onDone={reload} /> : null}

      {view.stages
        .filter((stage) => stage.status !== 'not_started' || stage.tasks.length > 0)
        .map((stage) => (
          <StageSection key={stage.code} view={view} stage={stage} catalog={catalog} events={events} identity={identity} reload={reload} />
        ))}

      {view.pendingMaterials.length > 0 ? (
        <section aria-labelledby="pending-title">
          <h2 id="pending-title">{tr('容缺材料（待补交）', 'Deferred materials still owed (容缺)')}</h2>
          <ul>
            {view.pendingMaterials.map((m) => (
              <li key={`${m.itemCode}-${m.code}`}>
                {m.name} · {m.itemCode} · {tr('期限', 'due')} {m.dueDate}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <Certificates view={view} />
      <Escalations view={view} identity={identity} catalog={catalog} reload={reload} />
      {can.supervise(role) ? <AgencyPanel view={view} catalog={catalog} identity={identity} reload={reload} /> : null}
      <AuditTrail events={events} verification={data.verification} />
    </article>
  );
}

// ---------------------------------------------------------------- a stage: tasks as bars

const DAY = 86_400_000;
const dayNumber = (date: string) => Math.round(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY);
const dateOf = (instant: string) => instant.slice(0, 10);

interface Pause {
  from: string;
  to: string | null;
}

/** Each task's supplement rounds from the audit trail: requested → resubmitted (by task or for the whole stage). */
function pausesOf(events: AuditEventView[]): Map<string, Pause[]> {
  const pauses = new Map<string, Pause[]>();
  const close = (taskId: string, at: string) => {
    const open = pauses.get(taskId)?.find((p) => p.to === null);
    if (open) open.to = at;
  };
  for (const event of events) {
    const data = event.data;
    if (!data) continue;
    if (event.type === 'supplement_requested' && typeof data.taskId === 'string') {
      pauses.set(data.taskId, [...(pauses.get(data.taskId) ?? []), { from: event.at, to: null }]);
    } else if (event.type === 'supplement_submitted' && typeof data.taskId === 'string') {
      close(data.taskId, event.at);
    } else if (event.type === 'stage_supplement_submitted' && Array.isArray(data.tasks)) {
      for (const entry of data.tasks as { taskId?: unknown }[]) if (typeof entry.taskId === 'string') close(entry.taskId, event.at);
    }
  }
  return pauses;
}

function StageSection({
  view,
  stage,
  catalog,
  events,
  identity,
  reload,
}: {
  view: CaseView;
  stage: StageView;
  catalog: Catalog;
  events: AuditEventView[];
  identity: Identity;
  reload(): void;
}) {
  const tr = useTr();
  const label = useLabel();
  const stageName = useStageName(catalog);
  const department = useDepartmentName(catalog);
  const role = identity.role;
  const pauses = pausesOf(events);
  const today = todayLocal();

  // the axis: from the stage's first day to its last deadline, decision or today
  const starts: string[] = [];
  const ends: string[] = [];
  if (stage.openedAt) starts.push(dateOf(stage.openedAt));
  for (const task of stage.tasks) {
    if (task.startDate) starts.push(task.startDate);
    if (task.dueDate) ends.push(task.dueDate);
    if (task.decision) ends.push(dateOf(task.decision.at));
    for (const p of pauses.get(task.taskId) ?? []) starts.push(dateOf(p.from));
  }
  if (stage.status === 'in_review') ends.push(today);
  const axisStart = starts.length ? Math.min(...starts.map(dayNumber)) : dayNumber(today);
  const axisEnd = Math.max(axisStart, ...ends.map(dayNumber), ...starts.map(dayNumber));
  const span = axisEnd - axisStart + 1;
  const pct = (date: string) => `${(((dayNumber(date) - axisStart) / span) * 100).toFixed(2)}%`;
  const width = (from: string, to: string) => `${(((dayNumber(to) - dayNumber(from) + 1) / span) * 100).toFixed(2)}%`;

  return (
    <section className="stage" aria-labelledby={`stage-${stage.code}`}>
      <h2 id={`stage-${stage.code}`}>
        {stage.order}. {stageName(stage.code)} <span className="muted small">{label('stageStatus', stage.status)}</span>
      </h2>
      <p className="muted small">
        {tr('牵头部门', 'Lead department')}: {department(stage.leadDepartment)} · {tr('承诺时限', 'committed')} {stage.committedDays}{' '}
        {tr('个工作日', 'working days')} · {tr('受理', 'opened')} {formatInstant(stage.openedAt)}
        {stage.closedAt ? ` · ${tr('办结', 'closed')} ${formatInstant(stage.closedAt)}` : ''} · {tr(`跑动 ${stage.trips} 次`, `${stage.trips} trips`)}
      </p>
      {stage.tasks.length > 0 ? (
        <div className="gantt" role="list" aria-label={tr('审批事项时间轴', 'Items on a time axis')}>
          <div className="gantt-axis" aria-hidden="true">
            <span>{new Date(axisStart * DAY).toISOString().slice(0, 10)}</span>
            <span>{new Date(axisEnd * DAY).toISOString().slice(0, 10)}</span>
          </div>
          {stage.tasks.map((task) => (
            <TaskRow
              key={task.taskId}
              task={task}
              pauses={pauses.get(task.taskId) ?? []}
              department={department(task.department)}
              pct={pct}
              width={width}
              today={today}
              canDecide={can.decide(role) && (role === 'admin' || identity.department === task.department) && task.status === 'pending'}
              canExtend={can.supervise(role) && !task.extension && (task.status === 'pending' || task.status === 'awaiting_supplement')}
              caseId={view.caseId}
              reload={reload}
            />
          ))}
        </div>
      ) : null}
      {stage.supplementNotice ? <SupplementNotice view={view} stage={stage} catalog={catalog} canAnswer={can.counterWork(role) && view.status === 'open'} onDone={reload} /> : null}
      {stage.result ? <StageResult view={view} stage={stage} canHandOut={can.counterWork(role)} onDone={reload} /> : null}
      {stage.openedAt && stage.order > 1 && can.counterWork(role) ? (
        <details className="no-print">
          <summary>{tr('本阶段受理回执', "This stage's acceptance receipt")}</summary>
          <Receipt view={view} catalog={catalog} stage={stage.code} />
        </details>
      ) : null}
    </section>
  );
}

function TaskRow({
  task,
  pauses,
  department,
  pct,
  width,
  today,
  canDecide,
  canExtend,
  caseId,
  reload,
}: {
  task: TaskView;
  pauses: Pause[];
  department: string;
  pct(date: string): string;
  width(from: string, to: string): string;
  today: string;
  canDecide: boolean;
  canExtend: boolean;
  caseId: string;
  reload(): void;
}) {
  const tr = useTr();
  const label = useLabel();
  const lang = useLang();
  const tipId = `tip-${task.taskId}`;
  const firstStart = [task.startDate, ...pauses.map((p) => dateOf(p.from))].filter((d): d is string => !!d).sort()[0] ?? null;
  const barEnd = task.dueDate ?? (task.decision ? dateOf(task.decision.at) : null);
  const itemName = lang === 'zh' ? task.itemName : task.itemNameEn;
  return (
    <div className="gantt-row" role="listitem">
      <div className="gantt-label">
        <strong>{itemName}</strong>
        <span className="muted small">
          {department} · {label('taskStatus', task.status)}
        </span>
        <LightBadge light={task.light} />
        <span className="small">
          {task.dueDate ? `${tr('期限', 'due')} ${task.dueDate}` : tr('未起算', 'not started')} · {tr('已用', 'used')} {task.usedWorkingDays}/
          {task.committedWorkingDays + (task.extension?.workingDays ?? 0)} {tr('工作日', 'working days')}
          {task.status === 'pending' || task.status === 'awaiting_supplement' ? ` · ${tr('剩余', 'left')} ${task.remainingWorkingDays}` : ''}
        </span>
        {canDecide ? <Link to={`/tasks/${caseId}/${task.taskId}`}>{tr('审查', 'Review')}</Link> : null}
      </div>
      <div className="gantt-track">
        {firstStart && barEnd ? (
          <button
            type="button"
            className={`gantt-bar bar-${task.light}`}
            style={{ left: pct(firstStart), width: width(firstStart, barEnd) }}
            aria-describedby={tipId}
            aria-label={tr(`${itemName}：${firstStart} 至 ${barEnd}`, `${itemName}: ${firstStart} to ${barEnd}`)}
          >
            <span className="visually-hidden">{tr('期限推算', 'Deadline derivation')}</span>
          </button>
        ) : null}
        {pauses.map((p, i) => (
          <span
            key={i}
            className="gantt-pause"
            style={{ left: pct(dateOf(p.from)), width: width(dateOf(p.from), p.to ? dateOf(p.to) : today) }}
            title={tr(`补正暂停：${formatDateTime(p.from)} 至 ${p.to ? formatDateTime(p.to) : '今'}`, `Paused for supplement: ${formatDateTime(p.from)} to ${p.to ? formatDateTime(p.to) : 'now'}`)}
          />
        ))}
        {task.decision ? (
          <span
            className={`gantt-decision decision-${task.decision.decision}`}
            style={{ left: pct(dateOf(task.decision.at)) }}
            title={`${label('decision', task.decision.decision)} ${formatDateTime(task.decision.at)}`}
          />
        ) : null}
        <div role="tooltip" id={tipId} className="tooltip">
          <Derivation task={task} pauses={pauses} />
        </div>
      </div>
      {task.decision ? (
        <div className="gantt-note small">
          {label('decision', task.decision.decision)} · {task.decision.by.name} · {formatDateTime(task.decision.at)}
          {task.decision.opinion ? ` · ${task.decision.opinion}` : ''}
          {task.decision.conditions.length > 0 ? ` · ${tr('附条件', 'conditions')}: ${task.decision.conditions.join('；')}` : ''}
        </div>
      ) : null}
      {task.extension ? (
        <div className="gantt-note small">
          {tr('已延长', 'Extended by')} {task.extension.workingDays} {tr('个工作日', 'working days')} · {task.extension.reason}
        </div>
      ) : null}
      {canExtend ? <ExtensionForm caseId={caseId} task={task} onDone={reload} /> : null}
    </div>
  );
}

/** The deadline's derivation (SPEC §3): start day, days counted, weekends and holidays skipped, make-up days used. */
function Derivation({ task, pauses }: { task: TaskView; pauses: Pause[] }) {
  const tr = useTr();
  const d = task.derivation;
  if (!d) return <p>{tr('尚未起算（等待前置事项或已办结）。', 'Not counting (waiting for prerequisites, or decided).')}</p>;
  const weekends = d.skipped.filter((s) => s.reason === 'weekend').map((s) => s.date);
  const holidays = d.skipped.filter((s) => s.reason === 'holiday').map((s) => s.date);
  return (
    <div className="derivation">
      <p>
        <strong>{tr('期限推算', 'Deadline derivation')}</strong>
        {d.provisional ? <span className="tag">{tr('暂定', 'provisional')}</span> : null}
      </p>
      <p>
        {tr('起算', 'From')} {formatDateTime(d.from)} → {tr('起算日', 'first day')} {d.startDate}; {tr('计', 'counting')} {d.workingDays}{' '}
        {tr('个工作日', 'working days')} → {tr('截止', 'due')} {d.dueDate} 24:00
      </p>
      <p>
        {tr('计入', 'Counted')}: {d.countedDays.join(', ')}
      </p>
      <p>
        {tr(`跳过周末 ${weekends.length} 天`, `Weekends skipped: ${weekends.length}`)}
        {weekends.length ? `: ${weekends.join(', ')}` : ''}
      </p>
      <p>
        {tr(`跳过节假日 ${holidays.length} 天`, `Holidays skipped: ${holidays.length}`)}
        {holidays.length ? `: ${holidays.join(', ')}` : ''}
      </p>
      <p>
        {tr(`调休上班日 ${d.makeUpDaysUsed.length} 天`, `Make-up working days used: ${d.makeUpDaysUsed.length}`)}
        {d.makeUpDaysUsed.length ? `: ${d.makeUpDaysUsed.join(', ')}` : ''}
      </p>
      {pauses.length > 0 ? (
        <p>
          {tr('补正暂停', 'Paused')}: {pauses.map((p) => `${formatDateTime(p.from)}–${p.to ? formatDateTime(p.to) : '…'}`).join('; ')}
        </p>
      ) : null}
      <p className="muted">
        {tr('日历版本', 'Calendar version')} {d.calendarVersion}
      </p>
    </div>
  );
}

// ---------------------------------------------------------------- the window's work on a case

function SupplementNotice({ view, stage, catalog, canAnswer, onDone }: { view: CaseView; stage: StageView; catalog: Catalog; canAnswer: boolean; onDone(): void }) {
  const tr = useTr();
  const department = useDepartmentName(catalog);
  const notice = stage.supplementNotice!;
  const wanted = [...new Set(notice.items.flatMap((i) => i.missingMaterials))];
  const [ticked, setTicked] = useState<string[]>([]);
  const action = useAction(onDone);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(() =>
      api('POST', `/v1/cases/${enc(view.caseId)}/stages/${stage.code}/supplement`, { materials: ticked.map((name) => ({ name })) }),
    );
  };
  return (
    <section className="notice-box" aria-labelledby={`supp-${stage.code}`}>
      <h3 id={`supp-${stage.code}`}>
        {tr('补正通知（合并）', 'Merged supplement notice')} {notice.number}
      </h3>
      <p className="muted small">{formatDateTime(notice.issuedAt)}</p>
      <ul>
        {notice.items.map((item) => (
          <li key={item.taskId}>
            <strong>{department(item.department)}</strong> ({item.itemCode}): {item.opinion} — {item.missingMaterials.join('；')}
          </li>
        ))}
      </ul>
      {canAnswer ? (
        <form onSubmit={submit}>
          <fieldset>
            <legend>{tr('申请人补交的材料', 'What the applicant brought')}</legend>
            {wanted.map((name, i) => (
              <div key={name}>
                <input
                  id={`supp-${stage.code}-${i}`}
                  type="checkbox"
                  checked={ticked.includes(name)}
                  onChange={(e) => setTicked((t) => (e.target.checked ? [...t, name] : t.filter((n) => n !== name)))}
                />{' '}
                <label htmlFor={`supp-${stage.code}-${i}`}>{name}</label>
              </div>
            ))}
          </fieldset>
          <button type="submit" disabled={action.busy || ticked.length === 0}>
            {tr('提交补正材料（一次办结）', 'Submit the supplementary materials')}
          </button>
          <ErrorNote error={action.error} />
        </form>
      ) : null}
    </section>
  );
}

function DeliverDeferred({ view, catalog, onDone }: { view: CaseView; catalog: Catalog; onDone(): void }) {
  const tr = useTr();
  const copiesOf = (code: string) =>
    view.stages.flatMap((s) => stageChecklist(catalog, view.projectType, s.code)).find((entry) => entry.code === code)?.copies ?? 1;
  const codes = [...new Map(view.pendingMaterials.map((m) => [m.code, m])).values()];
  const [ticked, setTicked] = useState<string[]>([]);
  const action = useAction(onDone);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(() =>
      api('POST', `/v1/cases/${enc(view.caseId)}/materials`, {
        materials: codes.filter((m) => ticked.includes(m.code)).map((m) => ({ name: m.name, code: m.code, copies: copiesOf(m.code) })),
      }),
    );
  };
  return (
    <section className="notice-box no-print" aria-labelledby="deliver-title">
      <h2 id="deliver-title">{tr('补交容缺材料', 'Deliver deferred materials')}</h2>
      <form onSubmit={submit}>
        <fieldset>
          <legend>{tr('申请人本次带来的材料', 'What the applicant brought now')}</legend>
          {codes.map((m) => (
            <div key={m.code}>
              <input
                id={`deliver-${m.code}`}
                type="checkbox"
                checked={ticked.includes(m.code)}
                onChange={(e) => setTicked((t) => (e.target.checked ? [...t, m.code] : t.filter((c) => c !== m.code)))}
              />{' '}
              <label htmlFor={`deliver-${m.code}`}>
                {m.name} ({tr('期限', 'due')} {m.dueDate})
              </label>
            </div>
          ))}
        </fieldset>
        <button type="submit" disabled={action.busy || ticked.length === 0}>
          {tr('登记补交', 'Record the delivery')}
        </button>
        <ErrorNote error={action.error} />
      </form>
    </section>
  );
}

function NextStageApplication({ view, catalog, stage, onDone }: { view: CaseView; catalog: Catalog; stage: StageView; onDone(): void }) {
  const tr = useTr();
  const stageName = useStageName(catalog);
  const checklist = stageChecklist(catalog, view.projectType, stage.code);
  const [state, setState] = useState<ChecklistState>({ received: {}, deferred: [] });
  const [incomplete, setIncomplete] = useState<{ missing: MissingMaterial[]; invalidDeferrals: string[] } | null>(null);
  const [notice, setNotice] = useState<IntakeNotice | null>(null);
  const action = useAction(onDone);
  const body = checklistBody(checklist, state);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setIncomplete(null);
    setNotice(null);
    void action.run(async () => {
      try {
        await api('POST', `/v1/cases/${enc(view.caseId)}/stages/${stage.code}/application`, body);
      } catch (e) {
        if (e instanceof ApiError && e.code === 'MATERIALS_INCOMPLETE') {
          const details = (e.details ?? {}) as { missing?: MissingMaterial[]; invalidDeferrals?: string[] };
          setIncomplete({ missing: details.missing ?? [], invalidDeferrals: details.invalidDeferrals ?? [] });
          return;
        }
        throw e;
      }
    });
  };
  const record = () =>
    void api<IntakeNotice>('POST', '/v1/intake/notices', { caseId: view.caseId, stage: stage.code, materials: body.materials }).then(setNotice, action.setError);
  return (
    <section className="notice-box no-print" aria-labelledby="next-stage-title">
      <h2 id="next-stage-title">
        {tr('提交下一阶段申请', "Submit the next stage's application")}: {stageName(stage.code)}
      </h2>
      <details>
        <summary>{tr('核对申请材料并受理', 'Check the materials and accept')}</summary>
        <form onSubmit={submit}>
          <Checklist checklist={checklist} state={state} onChange={setState} idPrefix={`m-${stage.code}`} />
          <button type="submit" className="primary" disabled={action.busy}>
            {tr('受理本阶段申请', 'Accept the application')}
          </button>
          <ErrorNote error={action.error} />
        </form>
      </details>
      {incomplete ? (
        <MissingNotice
          missing={incomplete.missing}
          invalidDeferrals={incomplete.invalidDeferrals}
          projectCode={view.projectCode}
          projectName={view.projectName}
          applicant={view.applicant.name}
          stageName={stageName(stage.code)}
          notice={notice}
          onRecord={record}
        />
      ) : null}
    </section>
  );
}

function StageResult({ view, stage, canHandOut, onDone }: { view: CaseView; stage: StageView; canHandOut: boolean; onDone(): void }) {
  const tr = useTr();
  const label = useLabel();
  const result = stage.result!;
  const [recipient, setRecipient] = useState('');
  const [channel, setChannel] = useState('counter');
  const action = useAction(onDone);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(() => api('POST', `/v1/cases/${enc(view.caseId)}/stages/${stage.code}/handout`, { recipient: { name: recipient.trim() }, channel }));
  };
  return (
    <section className="result-box" aria-labelledby={`result-${stage.code}`}>
      <h3 id={`result-${stage.code}`}>{tr('办理结果（出件）', 'Result (出件)')}</h3>
      <ul>
        {result.documents.map((d) => (
          <li key={d.number}>
            {d.kind === 'certificate' ? tr('证照', 'Certificate') : tr('不予许可决定书', 'Rejection letter')}: {d.name} · {d.number}
          </li>
        ))}
      </ul>
      <p className="small">
        {tr('可领取时间', 'Ready')}: {formatInstant(result.readyAt)}
      </p>
      {result.handedOut ? (
        <p className="ok">
          {tr('已出件', 'Handed out')}: {result.handedOut.recipient.name} · {label('channel', result.handedOut.channel)} · {formatDateTime(result.handedOut.at)}
        </p>
      ) : canHandOut ? (
        <form onSubmit={submit} className="inline-form no-print">
          <div className="field">
            <label htmlFor={`recipient-${stage.code}`}>{tr('领取人', 'Recipient')}</label>
            <input id={`recipient-${stage.code}`} value={recipient} onChange={(e) => setRecipient(e.target.value)} maxLength={200} required />
          </div>
          <div className="field">
            <label htmlFor={`channel-${stage.code}`}>{tr('方式', 'Channel')}</label>
            <select id={`channel-${stage.code}`} value={channel} onChange={(e) => setChannel(e.target.value)}>
              {['counter', 'post', 'electronic'].map((c) => (
                <option key={c} value={c}>
                  {label('channel', c)}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={action.busy || recipient.trim() === ''}>
            {tr('出件', 'Hand out')}
          </button>
          <ErrorNote error={action.error} />
        </form>
      ) : (
        <p className="muted">{tr('待窗口出件', 'Waiting to be handed out at the window')}</p>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- coordinators' work on a case

function ExtensionForm({ caseId, task, onDone }: { caseId: string; task: TaskView; onDone(): void }) {
  const tr = useTr();
  const [open, setOpen] = useState(false);
  const [days, setDays] = useState('5');
  const [reason, setReason] = useState('');
  const action = useAction(onDone);
  if (!open) {
    return (
      <button type="button" className="small-button no-print" onClick={() => setOpen(true)}>
        {tr('延长时限', 'Extend the deadline')}
      </button>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(() => api('POST', `/v1/cases/${enc(caseId)}/tasks/${enc(task.taskId)}/extension`, { workingDays: Number(days), reason: reason.trim() }));
  };
  return (
    <form className="inline-form no-print" onSubmit={submit} aria-label={tr('延长时限', 'Extend the deadline')}>
      <div className="field">
        <label htmlFor={`ext-days-${task.taskId}`}>{tr('延长工作日（1–10）', 'Working days (1–10)')}</label>
        <input id={`ext-days-${task.taskId}`} type="number" min={1} max={10} value={days} onChange={(e) => setDays(e.target.value)} required />
      </div>
      <div className="field grow">
        <label htmlFor={`ext-reason-${task.taskId}`}>{tr('延长理由', 'Reason')}</label>
        <input id={`ext-reason-${task.taskId}`} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} required />
      </div>
      <button type="submit" disabled={action.busy || reason.trim() === ''}>
        {tr('批准延长', 'Grant the extension')}
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}

function Escalations({ view, identity, catalog, reload }: { view: CaseView; identity: Identity; catalog: Catalog; reload(): void }) {
  const tr = useTr();
  const label = useLabel();
  const lang = useLang();
  const department = useDepartmentName(catalog);
  const supervise = can.supervise(identity.role);
  const tasks = view.stages.flatMap((s) => s.tasks);
  const taskName = (taskId: string | null) => {
    const task = tasks.find((t) => t.taskId === taskId);
    return task ? `${lang === 'zh' ? task.itemName : task.itemNameEn} · ${department(task.department)}` : tr('整个案件', 'the whole case');
  };
  return (
    <section aria-labelledby="escalations-title">
      <h2 id="escalations-title">{tr('督办', 'Escalations')}</h2>
      {view.escalations.length === 0 ? <p className="muted">{tr('暂无督办。', 'None.')}</p> : null}
      <ul className="escalations">
        {view.escalations.map((e) => (
          <li key={e.escalationId}>
            <strong>
              {tr(`${e.level} 级`, `Level ${e.level}`)} · {label('escalationStatus', e.status)}
            </strong>{' '}
            · {taskName(e.taskId)} · {label('origin', e.origin)} · {formatDateTime(e.openedAt)}
            <div>{e.reason}</div>
            {e.resolution ? (
              <div className="ok small">
                {tr('办结', 'Resolved')}: {e.resolution} ({formatInstant(e.resolvedAt)})
              </div>
            ) : null}
            {supervise && e.status === 'open' ? <ResolveForm caseId={view.caseId} escalationId={e.escalationId} onDone={reload} /> : null}
          </li>
        ))}
      </ul>
      {supervise && view.status === 'open' ? <EscalateForm view={view} taskName={taskName} onDone={reload} /> : null}
    </section>
  );
}

export function ResolveForm({ caseId, escalationId, onDone }: { caseId: string; escalationId: string; onDone(): void }) {
  const tr = useTr();
  const [text, setText] = useState('');
  const action = useAction(onDone);
  const id = `resolve-${escalationId}`;
  return (
    <form
      className="inline-form no-print"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(() => api('POST', `/v1/cases/${enc(caseId)}/escalations/${enc(escalationId)}/resolve`, { resolution: text.trim() }));
      }}
    >
      <div className="field grow">
        <label htmlFor={id}>{tr('办结说明', 'Resolution')}</label>
        <input id={id} value={text} onChange={(e) => setText(e.target.value)} maxLength={2000} required />
      </div>
      <button type="submit" disabled={action.busy || text.trim() === ''}>
        {tr('办结督办', 'Resolve')}
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}

function EscalateForm({ view, taskName, onDone }: { view: CaseView; taskName(taskId: string | null): string; onDone(): void }) {
  const tr = useTr();
  const [reason, setReason] = useState('');
  const [level, setLevel] = useState('3');
  const [taskId, setTaskId] = useState('');
  const action = useAction(onDone);
  const open = view.stages.flatMap((s) => s.tasks).filter((t) => t.status === 'pending' || t.status === 'awaiting_supplement' || t.status === 'blocked');
  return (
    <form
      className="notice-box no-print"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(() =>
          api('POST', `/v1/cases/${enc(view.caseId)}/escalations`, { reason: reason.trim(), level: Number(level), ...(taskId ? { taskId } : {}) }),
        );
      }}
      aria-labelledby="escalate-title"
    >
      <h3 id="escalate-title">{tr('发起督办', 'Escalate')}</h3>
      <div className="grid">
        <div className="field">
          <label htmlFor="esc-task">{tr('督办对象', 'About')}</label>
          <select id="esc-task" value={taskId} onChange={(e) => setTaskId(e.target.value)}>
            <option value="">{taskName(null)}</option>
            {open.map((t) => (
              <option key={t.taskId} value={t.taskId}>
                {taskName(t.taskId)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="esc-level">{tr('级别', 'Level')}</label>
          <select id="esc-level" value={level} onChange={(e) => setLevel(e.target.value)}>
            {['1', '2', '3'].map((l) => (
              <option key={l} value={l}>
                {tr(`${l} 级`, `Level ${l}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field grow">
          <label htmlFor="esc-reason">{tr('督办事由', 'Reason')}</label>
          <textarea id="esc-reason" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} required />
        </div>
      </div>
      <button type="submit" disabled={action.busy || reason.trim() === ''}>
        {tr('发起督办', 'Escalate')}
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}

// ---------------------------------------------------------------- certificates and the audit trail

function Certificates({ view }: { view: CaseView }) {
  const tr = useTr();
  if (view.certificates.length === 0) return null;
  return (
    <section aria-labelledby="certificates-title">
      <h2 id="certificates-title">{tr('电子证照', 'Certificates')}</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{tr('证照', 'Certificate')}</th>
              <th scope="col">{tr('编号', 'Number')}</th>
              <th scope="col">{tr('持证单位', 'Holder')}</th>
              <th scope="col">{tr('发证时间', 'Issued')}</th>
              <th scope="col">{tr('验证码', 'Verification code')}</th>
            </tr>
          </thead>
          <tbody>
            {view.certificates.map((c) => (
              <tr key={c.number}>
                <td>{c.name}</td>
                <td>{c.number}</td>
                <td>{c.holder}</td>
                <td>{formatInstant(c.issuedAt)}</td>
                <td>
                  <code>{c.verificationCode}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function AuditTrail({ events, verification }: { events: AuditEventView[]; verification: EventsPage['verification'] | null }) {
  const tr = useTr();
  const label = useLabel();
  let status: ReactNode = null;
  if (verification) {
    status = verification.verified ? (
      <p className="ok" role="status">
        ✓ {tr(`哈希链校验通过（服务器重算 ${events.length} 条记录）`, `Hash chain verified (recomputed by the server over ${events.length} events)`)}
      </p>
    ) : (
      <p className="error" role="alert">
        ✗ {tr(`哈希链断裂，位于第 ${verification.brokenAtSeq} 条`, `Hash chain broken at event ${verification.brokenAtSeq}`)}
      </p>
    );
  }
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">{tr('审计记录', 'Audit trail')}</h2>
      {status}
      <details>
        <summary>{tr(`全部 ${events.length} 条记录`, `All ${events.length} events`)}</summary>
        <div className="table-wrap">
          <table className="audit">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{tr('事件', 'Event')}</th>
                <th scope="col">{tr('时间', 'Time')}</th>
                <th scope="col">{tr('操作人', 'Actor')}</th>
                <th scope="col">{tr('哈希', 'Hash')}</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.seq}>
                  <td>{e.seq}</td>
                  <td>
                    <code>{e.type}</code>
                    {e.data === null ? <span className="muted small"> {tr('（无权查看内容）', '(content not visible)')}</span> : null}
                  </td>
                  <td>{formatDateTime(e.at)}</td>
                  <td>
                    {e.actor.name} · {label('role', e.actor.role)}
                  </td>
                  <td>
                    <code className="hash" title={`prev ${e.prevHash}`}>
                      {e.hash.slice(0, 12)}…
                    </code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
