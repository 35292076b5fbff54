/**
 * Statistics (GET /v1/stats) as charts (Chart.js, bundled): on-time rate by department; average
 * committed, used and statutory working days by department; the applicant's trips. Each chart has
 * its figures beside it as a table, for screen readers and for copying. The coordinators' agency
 * work (代办) over the same period shows as figures.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type ChartConfiguration } from 'chart.js';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, getCatalog, query, type Stats } from '../api.js';
import { formatNumber, formatPercent, todayLocal, useLang, useTr } from '../i18n.js';
import { ErrorNote, Loading, useDepartmentName, useLoad } from '../ui.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export function BarChart({ config, label }: { config: ChartConfiguration<'bar'>; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  // the configuration is plain data: redraw only when it changes, not on every render
  const key = JSON.stringify(config);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, JSON.parse(key) as ChartConfiguration<'bar'>);
    return () => chart.destroy();
  }, [key]);
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}

const today = todayLocal;
const thisYear = () => `${todayLocal().slice(0, 4)}-01-01`;

export function StatsPage() {
  const tr = useTr();
  const lang = useLang();
  const [range, setRange] = useState({ from: thisYear(), to: today() });
  const [draft, setDraft] = useState(range);
  const catalog = useLoad(() => getCatalog(), []);
  const department = useDepartmentName(catalog.data);
  const stats = useLoad(() => api<Stats>('GET', `/v1/stats${query(range)}`), [range.from, range.to]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setRange(draft);
  };
  const s = stats.data;
  const departments = s ? Object.keys(s.byDepartment).sort() : [];
  const names = departments.map((d) => department(d));
  const base = { animation: false as const, responsive: true, maintainAspectRatio: false, plugins: { legend: { position: 'bottom' as const } } };
  const onTime: ChartConfiguration<'bar'> | null = s
    ? {
        type: 'bar',
        data: {
          labels: names,
          datasets: [
            { label: tr('按时办结率 %', 'On-time rate %'), data: departments.map((d) => (s.byDepartment[d]!.onTimeRate ?? 0) * 100), backgroundColor: '#2f6f4f' },
          ],
        },
        options: { ...base, scales: { y: { min: 0, max: 100 } } },
      }
    : null;
  const days: ChartConfiguration<'bar'> | null = s
    ? {
        type: 'bar',
        data: {
          labels: names,
          datasets: [
            { label: tr('承诺时限', 'Committed'), data: departments.map((d) => s.byDepartment[d]!.avgCommittedWorkingDays ?? 0), backgroundColor: '#3d6fb6' },
            { label: tr('实际用时', 'Used'), data: departments.map((d) => s.byDepartment[d]!.avgUsedWorkingDays ?? 0), backgroundColor: '#d08a1e' },
            { label: tr('法定时限', 'Statutory'), data: departments.map((d) => s.byDepartment[d]!.avgStatutoryWorkingDays ?? 0), backgroundColor: '#8a8f98' },
          ],
        },
        options: { ...base, scales: { y: { min: 0 } } },
      }
    : null;
  const trips: ChartConfiguration<'bar'> | null = s
    ? {
        type: 'bar',
        data: {
          labels: [tr('每阶段平均跑动次数', 'Average trips per stage')],
          datasets: [{ label: tr('跑动次数', 'Trips'), data: [s.trips.avgPerStage ?? 0], backgroundColor: '#6b4fa0' }],
        },
        options: { ...base, indexAxis: 'y', scales: { x: { min: 0, suggestedMax: 3 } } },
      }
    : null;

  return (
    <>
      <h1>{tr('统计分析', 'Statistics')}</h1>
      <form className="filters" onSubmit={submit}>
        <div className="field">
          <label htmlFor="stats-from">{tr('起始日期', 'From')}</label>
          <input id="stats-from" type="date" value={draft.from} onChange={(e) => setDraft((d) => ({ ...d, from: e.target.value }))} required />
        </div>
        <div className="field">
          <label htmlFor="stats-to">{tr('截止日期', 'To')}</label>
          <input id="stats-to" type="date" value={draft.to} onChange={(e) => setDraft((d) => ({ ...d, to: e.target.value }))} required />
        </div>
        <button type="submit">{tr('统计', 'Show')}</button>
      </form>
      <ErrorNote error={stats.error} />
      {stats.loading && !s ? <Loading /> : null}
      {s ? (
        <>
          <section className="cards" aria-label={tr('汇总', 'Summary')}>
            <Card label={tr('受理案件', 'Cases opened')} value={String(s.cases.opened)} />
            <Card label={tr('办结案件', 'Completed')} value={String(s.cases.completed)} />
            <Card label={tr('办结事项', 'Tasks decided')} value={String(s.tasks.decided)} />
            <Card label={tr('按时办结率', 'On-time rate')} value={formatPercent(s.tasks.onTimeRate, lang)} />
            <Card label={tr('承诺时限压缩', 'Committed compression')} value={formatPercent(s.tasks.committedCompression, lang)} />
            <Card label={tr('实际用时压缩', 'Actual compression')} value={formatPercent(s.tasks.actualCompression, lang)} />
            <Card label={tr('当前超期事项', 'Overdue now')} value={String(s.tasks.overdueOpen)} />
            <Card label={tr('一次办结占比（≤1 次跑动）', 'Within one trip')} value={formatPercent(s.trips.withinOneShare, lang)} />
          </section>
          <section className="cards" aria-labelledby="agency-figures">
            <h2 id="agency-figures" className="cards-title">
              {tr('代办服务', 'Agency service (代办)')}
            </h2>
            <Card label={tr('新列代办项目', 'Key projects designated')} value={String(s.agency.projects)} />
            <Card label={tr('代办事项（起算）', 'Their items started')} value={String(s.agency.itemsHandled)} />
            <Card label={tr('代办事项（办结）', 'Their items approved')} value={String(s.agency.itemsCompleted)} />
            <Card label={tr('解决问题', 'Problems solved')} value={String(s.agency.problemsSolved)} />
            <Card label={tr('回访', 'Follow-up visits')} value={String(s.agency.followUps)} />
          </section>
          <div className="charts">
            <section aria-labelledby="chart-ontime">
              <h2 id="chart-ontime">{tr('各部门按时办结率', 'On-time rate by department')}</h2>
              {onTime ? <BarChart config={onTime} label={tr('各部门按时办结率柱状图', 'Bar chart of on-time rate by department')} /> : null}
            </section>
            <section aria-labelledby="chart-days">
              <h2 id="chart-days">{tr('承诺、实际与法定时限（平均工作日）', 'Committed vs used vs statutory (average working days)')}</h2>
              {days ? <BarChart config={days} label={tr('各部门平均时限柱状图', 'Bar chart of average working days by department')} /> : null}
            </section>
            <section aria-labelledby="chart-trips">
              <h2 id="chart-trips">{tr('跑动次数', 'Trips to the counter')}</h2>
              <p className="small">
                {tr(`办结阶段 ${s.trips.stagesEnded} 个`, `${s.trips.stagesEnded} stages ended`)} · {tr('平均', 'average')}{' '}
                {formatNumber(s.trips.avgPerStage, lang, 2)} · {tr('≤1 次', 'within one')} {formatPercent(s.trips.withinOneShare, lang)}
              </p>
              {trips ? <BarChart config={trips} label={tr('平均跑动次数', 'Average trips per stage')} /> : null}
            </section>
          </div>
          <details>
            <summary>{tr('各部门数据表', 'Figures by department')}</summary>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{tr('部门', 'Department')}</th>
                    <th scope="col">{tr('办结', 'Decided')}</th>
                    <th scope="col">{tr('按时', 'On time')}</th>
                    <th scope="col">{tr('按时率', 'Rate')}</th>
                    <th scope="col">{tr('平均用时', 'Used')}</th>
                    <th scope="col">{tr('平均承诺', 'Committed')}</th>
                    <th scope="col">{tr('平均法定', 'Statutory')}</th>
                    <th scope="col">{tr('超期在办', 'Overdue open')}</th>
                  </tr>
                </thead>
                <tbody>
                  {departments.map((d) => {
                    const f = s.byDepartment[d]!;
                    return (
                      <tr key={d}>
                        <th scope="row">{department(d)}</th>
                        <td className="num">{f.decided}</td>
                        <td className="num">{f.onTime}</td>
                        <td className="num">{formatPercent(f.onTimeRate, lang)}</td>
                        <td className="num">{formatNumber(f.avgUsedWorkingDays, lang)}</td>
                        <td className="num">{formatNumber(f.avgCommittedWorkingDays, lang)}</td>
                        <td className="num">{formatNumber(f.avgStatutoryWorkingDays, lang)}</td>
                        <td className="num">{f.overdueOpen}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </details>
        </>
      ) : null}
    </>
  );
}

function Card({ label, value }: { label: string; value: string }) {
  return (
    <div className="card">
      <div className="card-value">{value}</div>
      <div className="card-label">{label}</div>
    </div>
  );
}
