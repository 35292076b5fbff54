/**
 * 月通报 (SPEC §6.5): a month's departments ranked by on-time work, with the city's row, a chart
 * of on-time rate by department and the CSV to download. The CSV is fetched with the bearer
 * token and offered as a `blob:` link, so no token ever goes into a URL.
 */
import type { ChartConfiguration } from 'chart.js';
import { useEffect, useState } from 'react';
import { api, apiFile, getCatalog, query, type Bulletin } from '../api.js';
import { formatNumber, formatPercent, todayLocal, useLang, useTr } from '../i18n.js';
import { ErrorNote, Loading, useDepartmentName, useLoad } from '../ui.js';
import { BarChart } from './stats.js';

/** How far back the month picker reaches. */
const MONTHS_OFFERED = 36;

/** The current month in the approval zone and the ones before it, newest first: never a later one. */
function monthsUpToNow(): string[] {
  const [year, month] = todayLocal().slice(0, 7).split('-').map(Number) as [number, number];
  const months: string[] = [];
  for (let i = 0; i < MONTHS_OFFERED; i += 1) {
    const index = year * 12 + (month - 1) - i;
    months.push(`${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`);
  }
  return months;
}

export function BulletinPage() {
  const tr = useTr();
  const lang = useLang();
  const months = monthsUpToNow();
  const [month, setMonth] = useState(months[0]!);
  const catalog = useLoad(() => getCatalog(), []);
  const department = useDepartmentName(catalog.data);
  const bulletin = useLoad(() => api<Bulletin>('GET', `/v1/stats/bulletin${query({ month })}`), [month]);
  const years = [...new Set(months.map((m) => m.slice(0, 4)))];
  const b = bulletin.data?.month === month ? bulletin.data : null;

  const chart: ChartConfiguration<'bar'> | null = b
    ? {
        type: 'bar',
        data: {
          labels: b.departments.map((d) => department(d.department)),
          datasets: [
            {
              label: tr('按时办结率 %', 'On-time rate %'),
              // nothing decided: no bar rather than a misleading 0
              data: b.departments.map((d) => (d.onTimeRate === null ? null : Math.round(d.onTimeRate * 1000) / 10)),
              backgroundColor: '#2f6f4f',
            },
          ],
        },
        options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { position: 'bottom' } }, scales: { y: { min: 0, max: 100 } } },
      }
    : null;

  return (
    <>
      <h1>{tr('月度通报', 'Monthly bulletin')}</h1>
      <p className="muted">
        {tr(
          '各部门按按时办结率排名（日考核、月通报）；同率时月末超期少者在前，本月无办结的部门列后。',
          'Departments ranked by on-time rate (日考核、月通报); ties go to fewer overdue at month end; departments with nothing decided come last.',
        )}
      </p>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="bulletin-month">{tr('月份', 'Month')}</label>
          <select id="bulletin-month" value={month} onChange={(e) => setMonth(e.target.value)}>
            {years.map((year) => (
              <optgroup key={year} label={tr(`${year} 年`, year)}>
                {months
                  .filter((m) => m.startsWith(year))
                  .map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        </div>
        <button type="button" onClick={bulletin.reload}>
          {tr('刷新', 'Refresh')}
        </button>
        <CsvDownload month={month} />
      </form>
      <ErrorNote error={bulletin.error} />
      {bulletin.loading && !b ? <Loading /> : null}
      {b ? (
        <>
          <p className="small">
            {tr(`统计期间 ${b.from} 至 ${b.to}；月末超期按 ${b.overdueAt.slice(0, 16).replace('T', ' ')} 计。`, `From ${b.from} to ${b.to}; overdue counted at ${b.overdueAt.slice(0, 16).replace('T', ' ')}.`)}
          </p>
          <div className="table-wrap">
            <table className="bulletin">
              <caption>{tr(`${b.month} 各部门排名`, `Departments ranked, ${b.month}`)}</caption>
              <thead>
                <tr>
                  <th scope="col">{tr('排名', 'Rank')}</th>
                  <th scope="col">{tr('部门', 'Department')}</th>
                  <th scope="col">{tr('办结事项', 'Decided')}</th>
                  <th scope="col">{tr('按时办结', 'On time')}</th>
                  <th scope="col">{tr('按时办结率', 'On-time rate')}</th>
                  <th scope="col">{tr('月末超期', 'Overdue at month end')}</th>
                  <th scope="col">{tr('一级督办', 'Escalations L1')}</th>
                  <th scope="col">{tr('二级督办', 'Escalations L2')}</th>
                  <th scope="col">{tr('三级督办', 'Escalations L3')}</th>
                  <th scope="col">{tr('平均用时（工作日）', 'Avg used (working days)')}</th>
                  <th scope="col">{tr('平均承诺（工作日）', 'Avg committed (working days)')}</th>
                </tr>
              </thead>
              <tbody>
                {b.departments.map((d) => (
                  <tr key={d.department} data-department={d.department}>
                    <td className="num">{d.rank}</td>
                    <th scope="row">{department(d.department)}</th>
                    <FigureCells figures={d} lang={lang} />
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr data-department="city">
                  <td className="num">—</td>
                  <th scope="row">{tr('全市', 'City')}</th>
                  <FigureCells figures={b.city} lang={lang} />
                </tr>
              </tfoot>
            </table>
          </div>
          <section aria-labelledby="bulletin-chart">
            <h2 id="bulletin-chart">{tr('各部门按时办结率', 'On-time rate by department')}</h2>
            {chart ? <BarChart config={chart} label={tr(`${b.month} 各部门按时办结率柱状图`, `Bar chart of on-time rate by department, ${b.month}`)} /> : null}
          </section>
        </>
      ) : null}
    </>
  );
}

function FigureCells({ figures: f, lang }: { figures: Bulletin['city']; lang: ReturnType<typeof useLang> }) {
  return (
    <>
      <td className="num">{f.tasksDecided}</td>
      <td className="num">{f.onTime}</td>
      <td className="num">{formatPercent(f.onTimeRate, lang)}</td>
      <td className="num">{f.overdueAtMonthEnd}</td>
      <td className="num">{f.escalationsOpened[1]}</td>
      <td className="num">{f.escalationsOpened[2]}</td>
      <td className="num">{f.escalationsOpened[3]}</td>
      <td className="num">{formatNumber(f.avgUsedWorkingDays, lang)}</td>
      <td className="num">{formatNumber(f.avgCommittedWorkingDays, lang)}</td>
    </>
  );
}

/** Fetch the month's CSV with the token, then save it through a `blob:` link (kept for a second save). */
function CsvDownload({ month }: { month: string }) {
  const tr = useTr();
  const [file, setFile] = useState<{ month: string; url: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const filename = `bulletin-${month}.csv`;
  // a blob URL holds its file until revoked: release it when replaced or when the page goes
  useEffect(() => () => {
    if (file) URL.revokeObjectURL(file.url);
  }, [file]);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const blob = await apiFile(`/v1/stats/bulletin${query({ month, format: 'csv' })}`, 'text/csv');
      const url = URL.createObjectURL(blob);
      setFile({ month, url });
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = filename;
      anchor.click();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" onClick={() => void download()} disabled={busy}>
        {tr('下载 CSV', 'Download CSV')}
      </button>
      {file && file.month === month ? (
        <a href={file.url} download={filename}>
          {tr(`保存 ${filename}`, `Save ${filename}`)}
        </a>
      ) : null}
      <ErrorNote error={error} />
    </>
  );
}
