/** Demo tokens, one per role and one per reviewing department of the latest catalog, valid 7 days. */
import { writeFileSync } from 'node:fs';
import { signToken } from '../../api/auth.js';
import type { Database } from '../../db/client.js';
import { getLatestCatalog } from '../../db/queries.js';

/** [label, token] pairs; reviewers are labelled `reviewer:<department>`. */
export async function mintDemoTokens(db: Database, secret: string): Promise<[string, string][]> {
  const catalog = await getLatestCatalog(db);
  return [
    ['window', await signToken({ sub: 'window-1', name: '综合窗口', role: 'window' }, secret, '7d')],
    ...(await Promise.all(
      catalog.departments.map(async (d): Promise<[string, string]> => [
        `reviewer:${d.code}`,
        await signToken({ sub: `reviewer-${d.code}`, name: `${d.name.zh}审查员`, role: 'reviewer', department: d.code }, secret, '7d'),
      ]),
    )),
    ['coordinator', await signToken({ sub: 'coordinator-1', name: '协调员', role: 'coordinator' }, secret, '7d')],
    ['admin', await signToken({ sub: 'admin-1', name: '管理员', role: 'admin' }, secret, '7d')],
  ];
}

export function writeTokensFile(file: string, tokens: [string, string][]): void {
  writeFileSync(file, JSON.stringify(Object.fromEntries(tokens), null, 2), { mode: 0o600 });
}

export function formatTokens(tokens: [string, string][]): string {
  return tokens.map(([label, token]) => `  ${label.padEnd(18)} ${token}`).join('\n');
}
