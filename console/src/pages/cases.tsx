/** Find cases by project code or name (GET /v1/cases?q=…), with status and light filters. */
import { useState, type FormEvent } from 'react';
import { api, getCatalog, query, type CaseSummaryView, type List } from '../api.js';
import { useLabel, useName, useTr } from '../i18n.js';
import { ErrorNote, LightBadge, Link, Loading, Pager, useLoad, usePager, useStageName } from '../ui.js';

export function CasesPage({ initialQuery }: { initialQuery: string }) {
  const tr = useTr();
  const label = useLabel();
  const name = useName();
  const [text, setText] = useState(initialQuery);
  const [filters, setFilters] = useState({ q: initialQuery, status: '', light: '' });
  const pager = usePager();
  const catalog = useLoad(() => getCatalog(), []);
  const stageName = useStageName(catalog.data);
  const list = useLoad(
    () => api<List<CaseSummaryView>>('GET', `/v1/cases${query({ ...filters, limit: 20, cursor: pager.cursor })}`),
    [filters.q, filters.status, filters.light, pager.cursor],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    pager.reset();
    setFilters((f) => ({ ...f, q: text.trim() }));
  };
  return (
    <>
      <h1>{tr('案件查询', 'Find cases')}</h1>
      <form className="filters" onSubmit={submit} role="search">
        <div className="field">
          <label htmlFor="q">{tr('项目代码或名称', 'Project code or name')}</label>
          <input id="q" type="search" value={text} onChange={(e) => setText(e.target.value)} maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor="status">{tr('状态', 'Status')}</label>
          <select id="status" value={filters.status} onChange={(e) => { pager.reset(); setFilters((f) => ({ ...f, status: e.target.value })); }}>
            <option value="">{tr('全部', 'All')}</option>
            {['open', 'completed', 'rejected', 'withdrawn'].map((s) => (
              <option key={s} value={s}>
                {label('caseStatus', s)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="light">{tr('灯色', 'Light')}</label>
          <select id="light" value={filters.light} onChange={(e) => { pager.reset(); setFilters((f) => ({ ...f, light: e.target.value })); }}>
            <option value="">{tr('全部', 'All')}</option>
            {['red', 'yellow', 'green', 'paused', 'done'].map((s) => (
              <option key={s} value={s}>
                {label('light', s)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">{tr('查询', 'Search')}</button>
      </form>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        list.data.items.length === 0 ? (
          <p>{tr('没有符合条件的案件。', 'No cases match.')}</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{tr('案件', 'Cases')}</caption>
              <thead>
                <tr>
                  <th scope="col">{tr('灯色', 'Light')}</th>
                  <th scope="col">{tr('项目', 'Project')}</th>
                  <th scope="col">{tr('类型', 'Type')}</th>
                  <th scope="col">{tr('当前阶段', 'Current stage')}</th>
                  <th scope="col">{tr('状态', 'Status')}</th>
                  <th scope="col">{tr('受理时间', 'Accepted')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((c) => (
                  <tr key={c.caseId}>
                    <td>
                      <LightBadge light={c.light} />
                    </td>
                    <td>
                      <Link to={`/cases/${c.caseId}`}>{c.projectName}</Link>
                      <div className="muted small">{c.projectCode}</div>
                    </td>
                    <td>{name(catalog.data?.projectTypes.find((t) => t.code === c.projectType)?.name, c.projectType)}</td>
                    <td>{stageName(c.currentStage)}</td>
                    <td>
                      {label('caseStatus', c.status)}
                      {c.awaiting ? <div className="muted small">{label('awaiting', c.awaiting)}</div> : null}
                    </td>
                    <td>{c.acceptedAt.slice(0, 10)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
      <Pager pager={pager} nextCursor={list.data?.nextCursor} />
    </>
  );
}
