/**
 * 受理: the window opens a case with the stage-1 application. Codes are checked as they are typed
 * (the same rules as the API: domain/identifiers.ts); an incomplete set answers 422 with the
 * one-time notice, printable and recordable; an opened case shows its tasks and committed due
 * dates at once, with a printable acceptance receipt (受理回执).
 */
import { useState, type FormEvent } from 'react';
import { isCreditCode, isProjectCode, computeCreditCodeCheck } from '../../../domain/identifiers.js';
import { api, ApiError, getCatalog, type Catalog, type CaseView, type IntakeNotice, type MissingMaterial } from '../api.js';
import type { Identity } from '../auth.js';
import { useLabel, useLang, useName, useTr } from '../i18n.js';
import {
  Checklist,
  checklistBody,
  ErrorNote,
  Field,
  formatDateTime,
  Link,
  Loading,
  MissingNotice,
  stageChecklist,
  useDepartmentName,
  useLoad,
  useStageName,
  type ChecklistState,
} from '../ui.js';

const FIRST_STAGE = 'land-use-planning';

interface Form {
  projectType: string;
  projectCode: string;
  projectName: string;
  applicantName: string;
  creditCode: string;
  location: string;
  totalInvestment: string;
  landArea: string;
  floorArea: string;
}

const EMPTY: Form = {
  projectType: 'gov-building',
  projectCode: '',
  projectName: '',
  applicantName: '',
  creditCode: '',
  location: '',
  totalInvestment: '',
  landArea: '',
  floorArea: '',
};

export function CounterPage({ identity: _identity }: { identity: Identity }) {
  const tr = useTr();
  const catalog = useLoad(() => getCatalog(), []);
  if (catalog.error) return <ErrorNote error={catalog.error} />;
  if (!catalog.data) return <Loading />;
  return (
    <>
      <h1>{tr('受理开件', 'Open a case at the counter')}</h1>
      <OpenCaseForm catalog={catalog.data} />
    </>
  );
}

function projectCodeProblem(value: string, tr: (zh: string, en: string) => string): string | null {
  if (value === '') return null;
  if (!/^[\d-]*$/.test(value)) return tr('只能包含数字和连字符', 'digits and hyphens only');
  if (!isProjectCode(value)) return tr('格式：YYYY-AAAAAA-II-TT-NNNNNN（如 2026-610100-47-01-000001）', 'format: YYYY-AAAAAA-II-TT-NNNNNN (e.g. 2026-610100-47-01-000001)');
  return null;
}

function creditCodeProblem(value: string, tr: (zh: string, en: string) => string): string | null {
  if (value === '') return null;
  const upper = value.toUpperCase();
  if (/[^0-9ABCDEFGHJKLMNPQRTUWXY]/.test(upper)) return tr('含有不允许的字符（不使用 I、O、Z、S、V）', 'contains a character the code never uses (no I, O, Z, S, V)');
  if (upper.length < 18) return tr(`还差 ${18 - upper.length} 位（共 18 位）`, `${18 - upper.length} more characters (18 in all)`);
  if (upper.length > 18) return tr('超过 18 位', 'longer than 18 characters');
  if (!isCreditCode(upper)) {
    const expected = computeCreditCodeCheck(upper.slice(0, 17));
    return tr(`校验位错误${expected ? `：按前 17 位应为 ${expected}` : ''}`, `check character wrong${expected ? `: the first 17 give ${expected}` : ''}`);
  }
  return null;
}

function OpenCaseForm({ catalog }: { catalog: Catalog }) {
  const tr = useTr();
  const name = useName();
  const stageName = useStageName(catalog);
  const [form, setForm] = useState<Form>(EMPTY);
  const [checklistState, setChecklistState] = useState<ChecklistState>({ received: {}, deferred: [] });
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [incomplete, setIncomplete] = useState<{ missing: MissingMaterial[]; invalidDeferrals: string[]; body: Record<string, unknown> } | null>(null);
  const [notice, setNotice] = useState<IntakeNotice | null>(null);
  const [opened, setOpened] = useState<CaseView | null>(null);

  const checklist = stageChecklist(catalog, form.projectType, FIRST_STAGE);
  const set = (key: keyof Form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));
  const projectCodeError = projectCodeProblem(form.projectCode, tr);
  const creditCodeError = creditCodeProblem(form.creditCode, tr);
  const missingRequired = !form.projectCode || !form.projectName || !form.applicantName || !form.creditCode;

  const body = (): Record<string, unknown> => {
    const figures: Record<string, number> = {};
    for (const key of ['totalInvestment', 'landArea', 'floorArea'] as const) {
      if (form[key].trim() !== '') figures[key] = Number(form[key]);
    }
    return {
      projectCode: form.projectCode.trim(),
      projectName: form.projectName.trim(),
      projectType: form.projectType,
      applicant: { name: form.applicantName.trim(), creditCode: form.creditCode.trim().toUpperCase() },
      ...(form.location.trim() ? { location: form.location.trim() } : {}),
      ...figures,
      ...checklistBody(checklist, checklistState),
    };
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (projectCodeError || creditCodeError || missingRequired) return;
    setBusy(true);
    setError(null);
    setIncomplete(null);
    setNotice(null);
    const request = body();
    try {
      setOpened(await api<CaseView>('POST', '/v1/cases', request));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'MATERIALS_INCOMPLETE') {
        const details = (e.details ?? {}) as { missing?: MissingMaterial[]; invalidDeferrals?: string[] };
        setIncomplete({ missing: details.missing ?? [], invalidDeferrals: details.invalidDeferrals ?? [], body: request });
      } else setError(e);
    } finally {
      setBusy(false);
    }
  };

  const record = async () => {
    if (!incomplete) return;
    setBusy(true);
    setError(null);
    try {
      // the notice records the set the applicant brought (deferrals are the counter's choice, not the applicant's set)
      const { deferredMaterials: _deferred, ...request } = incomplete.body;
      setNotice(await api<IntakeNotice>('POST', '/v1/intake/notices', request));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (opened) {
    return (
      <>
        <Receipt view={opened} catalog={catalog} />
        <p className="no-print actions">
          <Link to={`/cases/${opened.caseId}`}>{tr('查看案件', 'Open the case page')}</Link>{' '}
          <button
            type="button"
            onClick={() => {
              setOpened(null);
              setForm(EMPTY);
              setChecklistState({ received: {}, deferred: [] });
              setTouched(false);
            }}
          >
            {tr('受理下一件', 'Open another case')}
          </button>
        </p>
      </>
    );
  }

  const typeOptions = catalog.projectTypes;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="open-case">
      <fieldset>
        <legend>{tr('项目信息', 'Project')}</legend>
        <div className="grid">
          <Field id="projectType" label={tr('项目类型', 'Project type')}>
            <select
              id="projectType"
              value={form.projectType}
              onChange={(e) => {
                set('projectType')(e.target.value);
                setChecklistState({ received: {}, deferred: [] });
              }}
            >
              {typeOptions.map((t) => (
                <option key={t.code} value={t.code}>
                  {name(t.name)} ({tr(`目标 ${t.targetWorkingDays} 个工作日`, `target ${t.targetWorkingDays} working days`)})
                </option>
              ))}
            </select>
          </Field>
          <Field
            id="projectCode"
            label={tr('项目代码', 'Project code')}
            error={projectCodeError ?? (touched && !form.projectCode ? tr('必填', 'required') : null)}
            hint={form.projectCode && !projectCodeError ? tr('✓ 格式正确', '✓ well formed') : tr('全国投资项目在线审批监管平台赋码', 'from the national investment project platform')}
          >
            <input
              id="projectCode"
              value={form.projectCode}
              onChange={(e) => set('projectCode')(e.target.value.trim())}
              aria-invalid={projectCodeError ? true : undefined}
              aria-describedby="projectCode-msg"
              placeholder="2026-610100-47-01-000001"
              autoComplete="off"
              required
            />
          </Field>
          <Field id="projectName" label={tr('项目名称', 'Project name')} error={touched && !form.projectName ? tr('必填', 'required') : null}>
            <input id="projectName" value={form.projectName} onChange={(e) => set('projectName')(e.target.value)} maxLength={200} aria-describedby="projectName-msg" required />
          </Field>
          <Field id="location" label={tr('建设地点', 'Location')}>
            <input id="location" value={form.location} onChange={(e) => set('location')(e.target.value)} maxLength={200} />
          </Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>{tr('建设单位（申请人）', 'Applicant')}</legend>
        <div className="grid">
          <Field id="applicantName" label={tr('单位名称', 'Name')} error={touched && !form.applicantName ? tr('必填', 'required') : null}>
            <input id="applicantName" value={form.applicantName} onChange={(e) => set('applicantName')(e.target.value)} maxLength={200} aria-describedby="applicantName-msg" required />
          </Field>
          <Field
            id="creditCode"
            label={tr('统一社会信用代码', 'Unified social credit code')}
            error={creditCodeError ?? (touched && !form.creditCode ? tr('必填', 'required') : null)}
            hint={form.creditCode && !creditCodeError ? tr('✓ 校验位正确', '✓ check character correct') : tr('18 位，含校验位', '18 characters with a check character')}
          >
            <input
              id="creditCode"
              value={form.creditCode}
              onChange={(e) => set('creditCode')(e.target.value.trim().toUpperCase())}
              aria-invalid={creditCodeError ? true : undefined}
              aria-describedby="creditCode-msg"
              maxLength={18}
              autoComplete="off"
              required
            />
          </Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>{tr('项目指标', 'Figures')}</legend>
        <div className="grid">
          <Field id="totalInvestment" label={tr('总投资（元）', 'Total investment (yuan)')}>
            <input id="totalInvestment" type="number" min={0} step="any" inputMode="decimal" value={form.totalInvestment} onChange={(e) => set('totalInvestment')(e.target.value)} />
          </Field>
          <Field id="landArea" label={tr('用地面积（㎡）', 'Land area (m²)')}>
            <input id="landArea" type="number" min={0} step="any" inputMode="decimal" value={form.landArea} onChange={(e) => set('landArea')(e.target.value)} />
          </Field>
          <Field id="floorArea" label={tr('建筑面积（㎡）', 'Floor area (m²)')}>
            <input id="floorArea" type="number" min={0} step="any" inputMode="decimal" value={form.floorArea} onChange={(e) => set('floorArea')(e.target.value)} />
          </Field>
        </div>
      </fieldset>
      <h2>
        {stageName(FIRST_STAGE)} · {tr('申请材料', 'application materials')}
      </h2>
      <Checklist checklist={checklist} state={checklistState} onChange={setChecklistState} idPrefix="m1" />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {tr('受理', 'Accept and open the case')}
        </button>
      </div>
      <ErrorNote error={error} />
      {incomplete ? (
        <MissingNotice
          missing={incomplete.missing}
          invalidDeferrals={incomplete.invalidDeferrals}
          projectCode={form.projectCode}
          projectName={form.projectName}
          applicant={form.applicantName}
          stageName={stageName(FIRST_STAGE)}
          notice={notice}
          onRecord={() => void record()}
          recording={busy}
        />
      ) : null}
    </form>
  );
}

/** 受理回执: what the applicant takes home, with every task's committed due date. */
export function Receipt({ view, catalog, stage }: { view: CaseView; catalog: Catalog; stage?: string }) {
  const tr = useTr();
  const label = useLabel();
  const lang = useLang();
  const department = useDepartmentName(catalog);
  const stageName = useStageName(catalog);
  const current = view.stages.find((s) => s.code === (stage ?? view.currentStage)) ?? view.stages[0];
  const name = useName();
  const type = catalog.projectTypes.find((t) => t.code === view.projectType);
  return (
    <section className="printable receipt" aria-labelledby="receipt-title">
      <h2 id="receipt-title">{tr('受理回执', 'Acceptance receipt')}</h2>
      <dl className="facts">
        <dt>{tr('案件编号', 'Case')}</dt>
        <dd>{view.caseId}</dd>
        <dt>{tr('项目', 'Project')}</dt>
        <dd>
          {view.projectName} · {view.projectCode}
        </dd>
        <dt>{tr('项目类型', 'Project type')}</dt>
        <dd>{name(type?.name, view.projectType)}</dd>
        <dt>{tr('建设单位', 'Applicant')}</dt>
        <dd>
          {view.applicant.name} · {view.applicant.creditCode}
        </dd>
        <dt>{tr('阶段', 'Stage')}</dt>
        <dd>{stageName(current?.code)}</dd>
        <dt>{tr('受理时间', 'Accepted')}</dt>
        <dd>{formatDateTime(current?.openedAt ?? view.acceptedAt)}</dd>
      </dl>
      <h3>{tr('并联审批事项与承诺办结时限', 'Items under parallel review and their committed due dates')}</h3>
      <table className="tasks-table">
        <thead>
          <tr>
            <th scope="col">{tr('事项', 'Item')}</th>
            <th scope="col">{tr('部门', 'Department')}</th>
            <th scope="col">{tr('承诺时限', 'Committed')}</th>
            <th scope="col">{tr('办结期限', 'Due')}</th>
            <th scope="col">{tr('状态', 'Status')}</th>
          </tr>
        </thead>
        <tbody>
          {(current?.tasks ?? []).map((task) => (
            <tr key={task.taskId}>
              <td>{lang === 'zh' ? task.itemName : task.itemNameEn}</td>
              <td>{department(task.department)}</td>
              <td>{tr(`${task.committedWorkingDays} 个工作日`, `${task.committedWorkingDays} working days`)}</td>
              <td>
                {task.dueDate
                  ? `${task.dueDate} 24:00${task.derivation?.provisional ? tr('（暂定）', ' (provisional)') : ''}`
                  : tr('前置事项办结后起算', 'counted once its prerequisites are done')}
              </td>
              <td>{label('taskStatus', task.status)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {view.pendingMaterials.length > 0 ? (
        <>
          <h3>{tr('容缺受理：须限期补交的材料', 'Accepted with deferred materials (容缺): to be delivered by')}</h3>
          <ul>
            {view.pendingMaterials.map((m) => (
              <li key={`${m.itemCode}-${m.code}`}>
                {m.name} — {tr('补交期限', 'due')} {m.dueDate}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <p className="muted small">
        {tr('时限按工作日计算，受理当日不计；补正期间暂停计时。', 'Working days; the day of acceptance does not count; the clock stops while materials are being supplemented.')}
      </p>
      <div className="no-print actions">
        <button type="button" onClick={() => window.print()}>
          {tr('打印受理回执', 'Print the receipt')}
        </button>
      </div>
    </section>
  );
}
