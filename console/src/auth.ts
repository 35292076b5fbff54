/**
 * Who is signed in: the bearer token, kept for this browser tab only (sessionStorage), and the
 * claims read from it for display and navigation. The server verifies the token on every call;
 * what the console shows from the claims is never a permission by itself.
 */
export type Role = 'window' | 'reviewer' | 'coordinator' | 'admin';

export interface Identity {
  token: string;
  sub: string;
  name: string;
  role: Role;
  department?: string;
  /** seconds since the epoch */
  exp?: number;
}

const KEY = 'console.token';

export function decodeToken(token: string): Identity | null {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '=')), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const role = claims.role;
    if (role !== 'window' && role !== 'reviewer' && role !== 'coordinator' && role !== 'admin') return null;
    return {
      token: token.trim(),
      sub: String(claims.sub ?? ''),
      name: String(claims.name ?? ''),
      role,
      ...(typeof claims.department === 'string' ? { department: claims.department } : {}),
      ...(typeof claims.exp === 'number' ? { exp: claims.exp } : {}),
    };
  } catch {
    return null;
  }
}

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function getIdentity(): Identity | null {
  const token = getToken();
  return token ? decodeToken(token) : null;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim());
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

/** What each role may do in the console, mirroring api/policy.ts ROUTE_ROLES (administrators: everything). */
export const can = {
  openCases: (role: Role) => role === 'window' || role === 'admin',
  counterWork: (role: Role) => role === 'window' || role === 'admin',
  decide: (role: Role) => role === 'reviewer' || role === 'admin',
  inbox: (role: Role) => role === 'reviewer' || role === 'coordinator' || role === 'admin',
  supervise: (role: Role) => role === 'coordinator' || role === 'admin',
};

/** The page a role starts on. */
export function homeOf(role: Role): string {
  switch (role) {
    case 'window':
      return '/counter';
    case 'reviewer':
      return '/inbox';
    default:
      return '/board';
  }
}
