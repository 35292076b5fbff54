/** Mints an HS256 token with AUTH_JWT_SECRET (or the local secret under DATA_DIR). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { signToken } from '../api/auth.js';
import { loadLocalStackConfig } from '../config.js';
import { ROLES, type Role } from '../domain/case-types.js';

const [role, department, sub, name] = process.argv.slice(2);
if (!role || !ROLES.includes(role as Role) || (role === 'reviewer' && !department)) {
  console.error(`usage: scripts/token <${ROLES.join('|')}> [department (required for reviewer)] [sub] [name]`);
  process.exit(2);
}
const stack = loadLocalStackConfig();
const localSecret = path.join(path.resolve(stack.dataDir), 'jwt-secret');
const secret = stack.authJwtSecret ?? (existsSync(localSecret) ? readFileSync(localSecret, 'utf8').trim() : '');
if (!secret) {
  console.error('AUTH_JWT_SECRET is not set and no local secret exists yet (run ./scripts/start once)');
  process.exit(2);
}
console.log(
  await signToken(
    {
      sub: sub ?? `${role}-${department ?? 'local'}`,
      name: name ?? `${role}${department ? ` (${department})` : ''}`,
      role: role as Role,
      ...(role === 'reviewer' && department ? { department } : {}),
    },
    secret,
    '7d',
  ),
);
