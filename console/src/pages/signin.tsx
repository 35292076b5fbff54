/** Sign-in: the local stack's demo identities, one click each; otherwise a pasted token. */
import { useEffect, useState, type FormEvent } from 'react';
import { api, type Catalog, type ConsoleConfig } from '../api.js';
import { clearToken, decodeToken, storeToken, type Identity } from '../auth.js';
import { useLabel, useTr } from '../i18n.js';
import { ErrorNote } from '../ui.js';

interface Demo {
  label: string;
  token: string;
}

export function SignInPage({ config, onSignedIn }: { config: ConsoleConfig | null; onSignedIn(identity: Identity): void }) {
  const tr = useTr();
  const label = useLabel();
  const [demos, setDemos] = useState<Demo[]>([]);
  const [pasted, setPasted] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!config?.demo) return;
    void fetch('/console/demo-identities.json')
      .then((r) => (r.ok ? (r.json() as Promise<{ items: Demo[] }>) : { items: [] }))
      .then((body) => setDemos(body.items));
  }, [config?.demo]);

  /** The token is tried against the API before it is kept: a refusal is shown here, explained. */
  const signIn = async (token: string) => {
    setError(null);
    const identity = decodeToken(token);
    if (!identity) {
      setError(new Error(tr('这不是本系统的令牌（JWT 需含 sub、name、role 声明）。', 'This is not a token for this system (a JWT with sub, name and role claims).')));
      return;
    }
    setBusy(true);
    storeToken(token);
    try {
      await api<Catalog>('GET', '/v1/catalog');
      onSignedIn(identity);
    } catch (e) {
      clearToken();
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void signIn(pasted);
  };

  return (
    <div className="signin">
      <h1>{tr('登录', 'Sign in')}</h1>
      {demos.length > 0 ? (
        <section aria-labelledby="demo-title">
          <h2 id="demo-title">{tr('演示身份（本地模式）', 'Demo identities (local mode)')}</h2>
          <p className="muted">{tr('./scripts/start 签发的演示令牌，点击即可登录。', 'Tokens ./scripts/start minted; one click signs in.')}</p>
          <ul className="demo-list">
            {demos.map((demo) => {
              const identity = decodeToken(demo.token);
              return (
                <li key={demo.label}>
                  <button type="button" disabled={busy} onClick={() => void signIn(demo.token)} data-identity={demo.label}>
                    <strong>{identity?.name ?? demo.label}</strong>
                    <span className="muted small">
                      {label('role', identity?.role)}
                      {identity?.department ? ` · ${identity.department}` : ''}
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      ) : null}
      <form onSubmit={submit} aria-labelledby="paste-title">
        <h2 id="paste-title">{tr('使用令牌登录', 'Sign in with a token')}</h2>
        <label htmlFor="token">{tr('访问令牌（JWT）', 'Access token (JWT)')}</label>
        <textarea id="token" rows={4} value={pasted} onChange={(e) => setPasted(e.target.value)} spellCheck={false} autoComplete="off" required />
        <button type="submit" disabled={busy || pasted.trim() === ''}>
          {tr('登录', 'Sign in')}
        </button>
      </form>
      <ErrorNote error={error} />
    </div>
  );
}
