/** The console's shell: sign-in, the navigation a role may use, the language switch, the pages. */
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { forgetCatalog, getConsoleConfig, onUnauthenticated, type ConsoleConfig } from './api.js';
import { can, clearToken, getIdentity, homeOf, type Identity } from './auth.js';
import { LangContext, storedLang, storeLang, useLabel, useTr, type Lang } from './i18n.js';
import { KeyProjectsPage } from './pages/agency.js';
import { BulletinPage } from './pages/bulletin.js';
import { CasePage } from './pages/case.js';
import { CasesPage } from './pages/cases.js';
import { CounterPage } from './pages/counter.js';
import { InboxPage, TaskPage } from './pages/review.js';
import { SignInPage } from './pages/signin.js';
import { StatsPage } from './pages/stats.js';
import { BoardPage, EscalationsPage } from './pages/supervision.js';
import './styles.css';
import { Link, navigate, useHashPath } from './ui.js';

function App() {
  const [lang, setLang] = useState<Lang>(storedLang);
  const [identity, setIdentity] = useState<Identity | null>(getIdentity);
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const [expired, setExpired] = useState(false);
  const path = useHashPath();

  useEffect(() => storeLang(lang), [lang]);
  useEffect(() => {
    void getConsoleConfig().then(setConfig);
  }, []);
  useEffect(() => onUnauthenticated(() => setExpired(true)), []);
  useEffect(() => {
    if (!identity && path !== '/signin') navigate('/signin');
    else if (identity && (path === '/' || path === '/signin')) navigate(homeOf(identity.role));
  }, [identity, path]);

  const signedIn = (next: Identity) => {
    forgetCatalog();
    setExpired(false);
    setIdentity(next);
    navigate(homeOf(next.role));
  };
  const signOut = () => {
    clearToken();
    forgetCatalog();
    setIdentity(null);
    navigate('/signin');
  };

  return (
    <LangContext.Provider value={lang}>
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        {lang === 'zh' ? '跳到主要内容' : 'Skip to main content'}
      </a>
      <Header identity={identity} lang={lang} setLang={setLang} signOut={signOut} />
      <main id="main" tabIndex={-1}>
        {expired && identity ? <ExpiredBanner onSignIn={signOut} /> : null}
        {identity ? <Page path={path} identity={identity} config={config} /> : <SignInPage config={config} onSignedIn={signedIn} />}
      </main>
    </LangContext.Provider>
  );
}

function ExpiredBanner({ onSignIn }: { onSignIn(): void }) {
  const tr = useTr();
  return (
    <div className="error" role="alert">
      {tr('服务器拒绝了当前令牌（401）：令牌已过期或无效。', 'The server refused your token (401): it has expired or is not valid.')}{' '}
      <button type="button" onClick={onSignIn}>
        {tr('重新登录', 'Sign in again')}
      </button>
    </div>
  );
}

function Header({ identity, lang, setLang, signOut }: { identity: Identity | null; lang: Lang; setLang(lang: Lang): void; signOut(): void }) {
  const tr = useTr();
  const label = useLabel();
  const role = identity?.role;
  const links: [string, string][] = [];
  if (role && can.openCases(role)) links.push(['/counter', tr('受理开件', 'Open a case')]);
  if (role && can.decide(role)) links.push(['/inbox', tr('待办审查', 'Inbox')]);
  if (role && can.supervise(role)) {
    links.push(['/board', tr('监察看板', 'Board')]);
    links.push(['/escalations', tr('督办', 'Escalations')]);
    links.push(['/agency', tr('重点项目', 'Key projects')]);
    links.push(['/stats', tr('统计', 'Statistics')]);
    links.push(['/bulletin', tr('月通报', 'Monthly bulletin')]);
  }
  if (role) links.push(['/cases', tr('案件查询', 'Find cases')]);
  const current = useHashPath();
  return (
    <header className="top no-print">
      <div className="brand">{tr('工程建设项目并联审批', 'Parallel construction-project approval')}</div>
      {identity ? (
        <nav aria-label={tr('主导航', 'Main')}>
          <ul>
            {links.map(([to, text]) => (
              <li key={to}>
                <a href={`#${to}`} aria-current={current.startsWith(to) ? 'page' : undefined}>
                  {text}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      <div className="who">
        {identity ? (
          <span>
            {identity.name} · {label('role', identity.role)}
            {identity.department ? ` · ${identity.department}` : ''}
          </span>
        ) : null}
        <button type="button" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')} lang={lang === 'zh' ? 'en' : 'zh'}>
          {lang === 'zh' ? 'English' : '中文'}
        </button>
        {identity ? (
          <button type="button" onClick={signOut}>
            {tr('退出', 'Sign out')}
          </button>
        ) : null}
      </div>
    </header>
  );
}

function Page({ path, identity, config }: { path: string; identity: Identity; config: ConsoleConfig | null }) {
  const tr = useTr();
  const [pathname, search = ''] = path.split('?');
  const parts = (pathname ?? '/').split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(search);
  const role = identity.role;
  const forbidden = (
    <div className="error" role="alert">
      {tr('当前角色不能使用此页面。', 'Your role may not use this page.')} <Link to={homeOf(role)}>{tr('返回首页', 'Back to your start page')}</Link>
    </div>
  );
  switch (parts[0]) {
    case 'counter':
      return can.openCases(role) ? <CounterPage identity={identity} /> : forbidden;
    case 'cases':
      return parts[1] ? <CasePage caseId={parts[1]} identity={identity} config={config} /> : <CasesPage initialQuery={params.get('q') ?? ''} />;
    case 'inbox':
      return can.inbox(role) ? <InboxPage identity={identity} /> : forbidden;
    case 'tasks':
      return parts[1] && parts[2] ? <TaskPage caseId={parts[1]} taskId={parts[2]} identity={identity} /> : forbidden;
    case 'board':
      return can.supervise(role) ? <BoardPage /> : forbidden;
    case 'escalations':
      return can.supervise(role) ? <EscalationsPage /> : forbidden;
    case 'stats':
      return can.supervise(role) ? <StatsPage /> : forbidden;
    case 'agency':
      return can.supervise(role) ? <KeyProjectsPage /> : forbidden;
    case 'bulletin':
      return can.supervise(role) ? <BulletinPage /> : forbidden;
    default:
      return <p>{tr('页面不存在。', 'No such page.')}</p>;
  }
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
