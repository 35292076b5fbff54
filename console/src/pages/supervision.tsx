/** 电子监察 for coordinators: the board, worst first, paged and filtered; the escalation queue with resolve. */
import { useState } from 'react';
import { api, getCatalog, query, type BoardEntry, type EscalationView, type List } from '../api.js';
import { formatInstant, useLabel, useTr } from '../i18n.js';
import { ErrorNote, LightBadge, Link, Loading, Pager, useDepartmentName, useLoad, usePager } from '../ui.js';
import { ResolveForm } from './case.js';

const REASONS = ['overdue', 'due_soon', 'no_activity', 'applicant_silent', 'materials_overdue', 'escalated', 'fault'];

export function BoardPage() {
  const tr = useTr();
  const label = useLabel();
  const [filters, setFilters] = useState({ department: '', light: '', reason: '' });
  const pager = usePager();
  const catalog = useLoad(() => getCatalog(), []);
  const department = useDepartmentName(catalog.data);
  const board = useLoad(
    () => api<List<BoardEntry>>('GET', `/v1/supervision/board${query({ ...filters, limit: 20, cursor: pager.cursor })}`),
    [filters.department, filters.light, filters.reason, pager.cursor],
  );
  const set = (key: keyof typeof filters) => (value: string) => {
    pager.reset();
    setFilters((f) => ({ ...f, [key]: value }));
  };
  return (
    <>
      <h1>{tr('电子监察看板', 'Supervision board')}</h1>
      <p className="muted">{tr('红灯在前，再按超期工作日数排序。', 'Red first, then by working days overdue.')}</p>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="board-department">{tr('部门', 'Department')}</label>
          <select id="board-department" value={filters.department} onChange={(e) => set('department')(e.target.value)}>
            <option value="">{tr('全部', 'All')}</option>
            {(catalog.data?.departments ?? []).map((d) => (
              <option key={d.code} value={d.code}>
                {department(d.code)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="board-light">{tr('灯色', 'Light')}</label>
          <select id="board-light" value={filters.light} onChange={(e) => set('light')(e.target.value)}>
            <option value="">{tr('全部', 'All')}</option>
            {['red', 'yellow', 'green', 'paused'].map((l) => (
              <option key={l} value={l}>
                {label('light', l)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="board-reason">{tr('原因', 'Reason')}</label>
          <select id="board-reason" value={filters.reason} onChange={(e) => set('reason')(e.target.value)}>
            <option value="">{tr('全部', 'All')}</option>
            {REASONS.map((r) => (
              <option key={r} value={r}>
                {label('reason', r)}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={board.reload}>
          {tr('刷新', 'Refresh')}
        </button>
      </form>
      <ErrorNote error={board.error} />
      {board.loading && !board.data ? <Loading /> : null}
      {board.data && board.data.items.length === 0 ? <p>{tr('没有需要关注的案件。', 'No case at risk.')}</p> : null}
      {board.data && board.data.items.length > 0 ? (
        <div className="table-wrap">
          <table className="board">
            <caption className="visually-hidden">{tr('风险案件，最严重的在前', 'Cases at risk, worst first')}</caption>
            <thead>
              <tr>
                <th scope="col">{tr('灯色', 'Light')}</th>
                <th scope="col">{tr('项目', 'Project')}</th>
                <th scope="col">{tr('超期工作日', 'Working days overdue')}</th>
                <th scope="col">{tr('督办级别', 'Escalation')}</th>
                <th scope="col">{tr('原因', 'Reasons')}</th>
                <th scope="col">{tr('事项', 'Tasks')}</th>
              </tr>
            </thead>
            <tbody>
              {board.data.items.map((entry) => (
                <tr key={entry.caseId} className={`row-${entry.light}`}>
                  <td>
                    <LightBadge light={entry.light} />
                  </td>
                  <td>
                    <Link to={`/cases/${entry.caseId}`}>{entry.projectName}</Link>
                    <div className="muted small">{entry.projectCode}</div>
                  </td>
                  <td className="num">{entry.workingDaysOverdue}</td>
                  <td className="num">{entry.escalationLevel || '—'}</td>
                  <td>{entry.reasons.map((r) => label('reason', r)).join('、')}</td>
                  <td>
                    <ul className="plain">
                      {entry.tasks.map((t) => (
                        <li key={t.taskId}>
                          <LightBadge light={t.light} /> {t.itemCode} · {department(t.department)}
                          {t.workingDaysOverdue > 0 ? ` · ${tr(`超期 ${t.workingDaysOverdue} 天`, `${t.workingDaysOverdue} days late`)}` : ''}
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Pager pager={pager} nextCursor={board.data?.nextCursor} />
    </>
  );
}

export function EscalationsPage() {
  const tr = useTr();
  const label = useLabel();
  const [status, setStatus] = useState('open');
  const [level, setLevel] = useState('');
  const pager = usePager();
  const list = useLoad(
    () => api<List<EscalationView>>('GET', `/v1/escalations${query({ status, level, limit: 20, cursor: pager.cursor })}`),
    [status, level, pager.cursor],
  );
  return (
    <>
      <h1>{tr('督办队列', 'Escalation queue')}</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="esc-status">{tr('状态', 'Status')}</label>
          <select id="esc-status" value={status} onChange={(e) => { pager.reset(); setStatus(e.target.value); }}>
            <option value="">{tr('全部', 'All')}</option>
            <option value="open">{label('escalationStatus', 'open')}</option>
            <option value="resolved">{label('escalationStatus', 'resolved')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="esc-level-filter">{tr('级别', 'Level')}</label>
          <select id="esc-level-filter" value={level} onChange={(e) => { pager.reset(); setLevel(e.target.value); }}>
            <option value="">{tr('全部', 'All')}</option>
            {['1', '2', '3'].map((l) => (
              <option key={l} value={l}>
                {tr(`${l} 级`, `Level ${l}`)}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && list.data.items.length === 0 ? <p>{tr('没有督办。', 'No escalations.')}</p> : null}
      <ul className="escalations">
        {(list.data?.items ?? []).map((e) => (
          <li key={e.escalationId}>
            <strong>
              {tr(`${e.level} 级`, `Level ${e.level}`)} · {label('escalationStatus', e.status)} · {label('origin', e.origin)}
            </strong>{' '}
            · <Link to={`/cases/${e.caseId}`}>{tr('案件', 'case')} {e.caseId}</Link> · {formatInstant(e.openedAt)}
            <div>{e.reason}</div>
            {e.resolution ? (
              <div className="ok small">
                {tr('办结', 'Resolved')}: {e.resolution} · {e.resolvedBy?.name} · {formatInstant(e.resolvedAt)}
              </div>
            ) : null}
            {e.status === 'open' ? <ResolveForm caseId={e.caseId} escalationId={e.escalationId} onDone={list.reload} /> : null}
          </li>
        ))}
      </ul>
      <Pager pager={pager} nextCursor={list.data?.nextCursor} />
    </>
  );
}
