/** Small pieces every page uses: the hash router, loading, errors explained, lights, the materials checklist. */
import { useCallback, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { ApiError, type Catalog, type Material, type MissingMaterial } from './api.js';
import { getIdentity } from './auth.js';
import { useLabel, useName, useTr } from './i18n.js';

// ---------------------------------------------------------------- routing (#/path)

function subscribeHash(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

export function useHashPath(): string {
  return useSyncExternalStore(subscribeHash, () => window.location.hash.replace(/^#/, '') || '/');
}

export function navigate(path: string): void {
  window.location.hash = path;
}

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <a href={`#${to}`} className={className}>
      {children}
    </a>
  );
}

// ---------------------------------------------------------------- loading

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Runs `load` when its dependencies change; `reload()` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** One action's state: busy while it runs, its refusal to explain, `onDone` after it succeeds. */
export function useAction(onDone: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      setDone(true);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run, setError };
}

export function Loading() {
  const tr = useTr();
  return (
    <p className="muted" role="status">
      {tr('加载中…', 'Loading…')}
    </p>
  );
}

// ---------------------------------------------------------------- errors, explained

/** What an API refusal means to the person at the screen, and what to do about it. */
export function ErrorNote({ error }: { error: unknown }) {
  const tr = useTr();
  const label = useLabel();
  if (!error) return null;
  const identity = getIdentity();
  if (error instanceof ApiError) {
    let explanation: ReactNode;
    if (error.status === 401) {
      explanation = (
        <>
          {tr(
            '未登录或登录已失效：令牌缺失、已过期或不被本服务器接受。请重新登录。',
            'You are not signed in, or your sign-in is no longer valid: the token is missing, expired or not accepted by this server. Please sign in again.',
          )}{' '}
          <Link to="/signin">{tr('重新登录', 'Sign in')}</Link>
        </>
      );
    } else if (error.status === 403) {
      explanation = tr(
        `当前身份（${label('role', identity?.role)}${identity?.department ? ` · ${identity.department}` : ''}）无权执行此操作：该操作属于其他角色或其他部门。`,
        `Your role (${label('role', identity?.role)}${identity?.department ? ` · ${identity.department}` : ''}) may not do this: it belongs to another role or another department.`,
      );
    } else if (error.status === 404) {
      explanation = tr('未找到，或当前身份无权查看。', 'Not found, or not visible to your role.');
    } else if (error.status === 0) {
      explanation = tr('无法连接服务器，请检查网络后重试。', 'The server cannot be reached; check the network and try again.');
    } else if (error.status === 429) {
      explanation = tr('请求过于频繁，请稍后再试。', 'Too many requests; try again in a moment.');
    } else if (error.status >= 500) {
      explanation = tr('服务暂不可用（数据库或工作流引擎），可稍后以相同操作重试。', 'The service is unavailable (database or workflow engine); retry the same action shortly.');
    }
    return (
      <div className="error" role="alert">
        <strong>
          {error.status > 0 ? `${error.status} ` : ''}
          {error.code}
        </strong>
        {explanation ? <p>{explanation}</p> : null}
        <p className="muted">{error.message}</p>
      </div>
    );
  }
  return (
    <div className="error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

// ---------------------------------------------------------------- lights

export function LightBadge({ light }: { light: string }) {
  const label = useLabel();
  return (
    <span className={`light light-${light}`}>
      <span className="dot" aria-hidden="true" />
      {label('light', light)}
    </span>
  );
}

// ---------------------------------------------------------------- pages of lists

/** Cursor paging: a stack of the cursors of the pages before this one. */
export function usePager(): { cursor: string | null; page: number; next(cursor: string): void; back(): void; reset(): void } {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  return {
    cursor: stack[stack.length - 1] ?? null,
    page: stack.length,
    next: (cursor) => setStack((s) => [...s, cursor]),
    back: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([null]),
  };
}

export function Pager({ pager, nextCursor }: { pager: ReturnType<typeof usePager>; nextCursor: string | null | undefined }) {
  const tr = useTr();
  return (
    <nav className="pager" aria-label={tr('分页', 'Pages')}>
      <button type="button" onClick={pager.back} disabled={pager.page <= 1}>
        {tr('上一页', 'Previous')}
      </button>
      <span>{tr(`第 ${pager.page} 页`, `Page ${pager.page}`)}</span>
      <button type="button" onClick={() => nextCursor && pager.next(nextCursor)} disabled={!nextCursor}>
        {tr('下一页', 'Next')}
      </button>
    </nav>
  );
}

// ---------------------------------------------------------------- the materials checklist (SPEC §6.1)

export interface ChecklistEntry {
  code: string;
  name: { zh: string; en: string };
  copies: number;
  /** 容缺: every item listing it lets it follow later */
  deferrable: boolean;
  items: string[];
}

/** A stage's required checklist for a project type: one entry per code, with the largest copies (SPEC §6.0 Material codes). */
export function stageChecklist(catalog: Catalog, projectType: string, stage: string): ChecklistEntry[] {
  const type = catalog.projectTypes.find((t) => t.code === projectType);
  const items = type?.stages.find((s) => s.code === stage)?.items ?? [];
  const byCode = new Map<string, ChecklistEntry>();
  for (const item of items) {
    for (const material of item.materials) {
      if (material.optional) continue;
      const entry = byCode.get(material.code);
      if (entry) {
        entry.copies = Math.max(entry.copies, material.copies);
        entry.deferrable &&= material.deferrable;
        entry.items.push(item.code);
      } else {
        byCode.set(material.code, { code: material.code, name: material.name, copies: material.copies, deferrable: material.deferrable, items: [item.code] });
      }
    }
  }
  return [...byCode.values()];
}

export interface ChecklistState {
  /** code → copies received (absent: not received) */
  received: Record<string, number>;
  deferred: string[];
}

export function checklistBody(checklist: ChecklistEntry[], state: ChecklistState): { materials: Material[]; deferredMaterials?: string[] } {
  const materials = checklist
    .filter((entry) => state.received[entry.code] !== undefined)
    .map((entry) => ({ name: entry.name.zh, code: entry.code, copies: state.received[entry.code]! }));
  const deferred = state.deferred.filter((code) => state.received[code] === undefined);
  return { materials, ...(deferred.length > 0 ? { deferredMaterials: deferred } : {}) };
}

/** Tick boxes for what the applicant handed in, its copies, and 容缺 marks for what may follow. */
export function Checklist({
  checklist,
  state,
  onChange,
  idPrefix,
}: {
  checklist: ChecklistEntry[];
  state: ChecklistState;
  onChange(state: ChecklistState): void;
  idPrefix: string;
}) {
  const tr = useTr();
  const name = useName();
  const received = (code: string) => state.received[code] !== undefined;
  const setReceived = (entry: ChecklistEntry, on: boolean) => {
    const next = { ...state.received };
    if (on) next[entry.code] = entry.copies;
    else delete next[entry.code];
    onChange({ received: next, deferred: state.deferred.filter((c) => c !== entry.code || !on) });
  };
  const all = checklist.every((e) => received(e.code));
  return (
    <fieldset className="checklist">
      <legend>{tr('申请材料清单', 'Materials checklist')}</legend>
      <p className="muted">
        {tr('勾选申请人已提交的材料并核对份数；可容缺的材料可标记“容缺”，受理后限期补交。', 'Tick what the applicant handed in and check the copies; a deferrable material may be marked 容缺 and delivered after acceptance.')}
      </p>
      <button
        type="button"
        onClick={() =>
          onChange(
            all
              ? { received: {}, deferred: [] }
              : { received: Object.fromEntries(checklist.map((e) => [e.code, e.copies])), deferred: [] },
          )
        }
      >
        {all ? tr('全部取消', 'Untick all') : tr('全部勾选', 'Tick all')}
      </button>
      <table>
        <thead>
          <tr>
            <th scope="col">{tr('已收', 'Received')}</th>
            <th scope="col">{tr('材料', 'Material')}</th>
            <th scope="col">{tr('份数（应交）', 'Copies (required)')}</th>
            <th scope="col">{tr('容缺', 'Defer (容缺)')}</th>
          </tr>
        </thead>
        <tbody>
          {checklist.map((entry) => {
            const id = `${idPrefix}-${entry.code}`;
            return (
              <tr key={entry.code} className={received(entry.code) ? '' : 'missing'}>
                <td>
                  <input id={id} type="checkbox" checked={received(entry.code)} onChange={(e) => setReceived(entry, e.target.checked)} />
                </td>
                <td>
                  <label htmlFor={id}>{name(entry.name)}</label>
                  <div className="muted small">{entry.code}</div>
                </td>
                <td>
                  <label className="visually-hidden" htmlFor={`${id}-copies`}>
                    {tr(`${entry.name.zh} 份数`, `${entry.name.en} copies`)}
                  </label>
                  <input
                    id={`${id}-copies`}
                    className="copies"
                    type="number"
                    min={1}
                    max={99}
                    disabled={!received(entry.code)}
                    value={state.received[entry.code] ?? entry.copies}
                    onChange={(e) =>
                      onChange({ ...state, received: { ...state.received, [entry.code]: Math.max(1, Math.min(99, Number(e.target.value) || 1)) } })
                    }
                  />{' '}
                  <span className="muted">/ {entry.copies}</span>
                </td>
                <td>
                  {entry.deferrable ? (
                    <label>
                      <input
                        type="checkbox"
                        disabled={received(entry.code)}
                        checked={state.deferred.includes(entry.code) && !received(entry.code)}
                        onChange={(e) =>
                          onChange({
                            ...state,
                            deferred: e.target.checked ? [...state.deferred, entry.code] : state.deferred.filter((c) => c !== entry.code),
                          })
                        }
                      />{' '}
                      <span className="visually-hidden">{tr(`${entry.name.zh} 容缺后补`, `Defer ${entry.name.en}`)}</span>
                      <span aria-hidden="true">{tr('容缺', 'Defer')}</span>
                    </label>
                  ) : (
                    <span className="muted">{tr('不可容缺', 'Not deferrable')}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </fieldset>
  );
}

// ---------------------------------------------------------------- 一次性告知书

export function MissingNotice({
  missing,
  invalidDeferrals,
  projectCode,
  projectName,
  applicant,
  stageName,
  notice,
  onRecord,
  recording,
}: {
  missing: MissingMaterial[];
  invalidDeferrals: string[];
  projectCode: string;
  projectName: string;
  applicant: string;
  stageName: string;
  notice: { number: string; issuedAt: string } | null;
  onRecord?: () => void;
  recording?: boolean;
}) {
  const tr = useTr();
  const byCode = new Map<string, MissingMaterial & { items: string[] }>();
  for (const m of missing) {
    const entry = byCode.get(m.code);
    if (entry) entry.items.push(m.itemCode);
    else byCode.set(m.code, { ...m, items: [m.itemCode] });
  }
  return (
    <section className="printable notice" aria-labelledby="notice-title">
      <h2 id="notice-title">{tr('材料补正一次性告知书', 'One-time notice of missing materials')}</h2>
      <p>
        {tr('编号', 'Number')}: <strong>{notice ? notice.number : tr('（尚未出具）', '(not yet issued)')}</strong>
        {notice ? ` · ${formatDateTime(notice.issuedAt)}` : ''}
      </p>
      <p>
        {applicant}：{tr(`您申报的“${projectName}”（项目代码 ${projectCode}）${stageName}申请材料不齐全，现一次性告知需补齐的材料如下：`, `the application for “${projectName}” (project code ${projectCode}), ${stageName}, is incomplete. Everything still missing, at once:`)}
      </p>
      <ol>
        {[...byCode.values()].map((m) => (
          <li key={m.code}>
            {m.name} × {m.copies}
            {m.deferrable ? <span className="tag">{tr('可容缺', 'deferrable')}</span> : null}
            <span className="muted small"> ({m.items.join(', ')})</span>
          </li>
        ))}
      </ol>
      {invalidDeferrals.length > 0 ? (
        <p className="error">
          {tr('以下材料不能容缺（未缺或不可容缺）：', 'These cannot be deferred (not missing or not deferrable): ')}
          {invalidDeferrals.join(', ')}
        </p>
      ) : null}
      <p className="muted">{tr('补齐后请携带全部材料到综合窗口办理。', 'Bring the complete set to the comprehensive window.')}</p>
      <div className="no-print actions">
        {onRecord && !notice ? (
          <button type="button" onClick={onRecord} disabled={recording}>
            {tr('出具告知书（登记）', 'Issue and record the notice')}
          </button>
        ) : null}
        <button type="button" onClick={() => window.print()}>
          {tr('打印告知书', 'Print the notice')}
        </button>
      </div>
    </section>
  );
}

export function formatDateTime(instant: string): string {
  return `${instant.slice(0, 10)} ${instant.slice(11, 16)}`;
}

/** Form field with its label and an optional hint or error, wired for screen readers. */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string | null;
  error?: string | null;
  children: ReactNode;
}) {
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {error ? (
        <div id={`${id}-msg`} className="field-error" aria-live="polite">
          {error}
        </div>
      ) : hint ? (
        <div id={`${id}-msg`} className="muted small" aria-live="polite">
          {hint}
        </div>
      ) : null}
    </div>
  );
}

/** Department names from the catalog. */
export function useDepartmentName(catalog: Catalog | null): (code: string | null | undefined) => string {
  const name = useName();
  return (code) => {
    if (!code) return '—';
    return name(catalog?.departments.find((d) => d.code === code)?.name, code);
  };
}

export function useStageName(catalog: Catalog | null): (code: string | null | undefined) => string {
  const name = useName();
  return (code) => {
    if (!code) return '—';
    return name(catalog?.stages.find((s) => s.code === code)?.name, code);
  };
}
