/**
 * Bearer JWT authentication (HS256 only), run first in `onRequest`; the route's roles are checked
 * next by the access policy (api/policy.ts), so 401 → 403 come before 400.
 *
 * The token is verified once, first thing (jose), and its result kept on the request: the rate
 * limit keys on the verified `sub`, the access check reads the actor. Claims are validated as
 * SPEC §4 and §6.0 *Tokens* state: bounded text without control characters or lone surrogates,
 * a known role and department, `iat` not ahead of the clock, `exp` within the configured lifetime.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { ROLES, type Actor, type Role } from '../domain/case-types.js';
import { AppError } from '../domain/errors.js';
import { codePointLength, hasControlCharacter, hasLoneSurrogate } from '../domain/text.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    /** the bearer token's verification, done once in the first hook (null: no token sent) */
    authentication: { actor: Actor } | { error: AppError } | null;
  }
}

export interface TokenClaims {
  sub: string;
  name: string;
  role: Role;
  department?: string;
}

/** What a token's claims are checked against. */
export interface TokenPolicy {
  secret: string;
  /** longest accepted `exp − iat` (or `exp − now` without `iat`), seconds */
  maxLifetimeSeconds: number;
  /** the departments of the current catalog (null: not known yet, the database is down) */
  isDepartment(code: string): boolean | null;
}

/** `iat` may be this far ahead of our clock (clock skew), SPEC §6.0 */
const IAT_SKEW_SECONDS = 60;
const MAX_CLAIM_LENGTH = 200;

function encodeSecret(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function signToken(claims: TokenClaims, secret: string, expiresIn = '12h'): Promise<string> {
  return new SignJWT({ name: claims.name, role: claims.role, ...(claims.department ? { department: claims.department } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(encodeSecret(secret));
}

/** Why a text claim is unacceptable, or null: 1–200 code points, no C0 controls, no lone surrogates. */
function textClaimProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'is missing';
  if (codePointLength(value) > MAX_CLAIM_LENGTH) return `is longer than ${MAX_CLAIM_LENGTH} characters`;
  if (hasControlCharacter(value)) return 'holds a control character';
  if (hasLoneSurrogate(value)) return 'holds a lone surrogate';
  return null;
}

/**
 * The actor a verified token's payload names, or a 401 saying which claim is wrong. Pure (the
 * signature is checked before), so the rules can be tested claim by claim.
 */
export function actorFromClaims(
  payload: Record<string, unknown>,
  policy: Pick<TokenPolicy, 'maxLifetimeSeconds' | 'isDepartment'>,
  nowSeconds: number,
): Actor {
  const refuse = (reason: string): never => {
    throw new AppError('UNAUTHENTICATED', reason);
  };
  const { sub, name, role, department, iat, exp } = payload;
  for (const [claim, value] of [['sub', sub], ['name', name]] as const) {
    const problem = textClaimProblem(value);
    if (problem) refuse(`the token's ${claim} claim ${problem}`);
  }
  if (!ROLES.includes(role as Role)) refuse('the token has an unknown role');
  if (department !== undefined) {
    const problem = textClaimProblem(department);
    if (problem) refuse(`the token's department claim ${problem}`);
    const known = policy.isDepartment(department as string);
    if (known === null) throw new AppError('DEPENDENCY_UNAVAILABLE', 'the catalog cannot be read yet', { dependency: 'database' });
    if (!known) refuse('the token names a department that does not exist');
  }
  if (role === 'reviewer' && department === undefined) refuse('a reviewer token needs a department claim');
  if (typeof exp !== 'number' || !Number.isFinite(exp)) refuse("the token's exp claim is missing or invalid");
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) refuse("the token's iat claim is invalid");
  if (typeof iat === 'number' && iat > nowSeconds + IAT_SKEW_SECONDS) refuse('the token was issued in the future');
  const issued = typeof iat === 'number' ? iat : nowSeconds;
  if ((exp as number) - issued > policy.maxLifetimeSeconds) {
    refuse(`the token lives longer than the ${policy.maxLifetimeSeconds} seconds this server accepts`);
  }
  return {
    sub: sub as string,
    name: name as string,
    role: role as Role,
    ...(department !== undefined ? { department: department as string } : {}),
  };
}

/**
 * Payloads whose signature was checked, by token and secret: a client sends the same token with
 * every request, and checking an HMAC (with the key's import) is most of what authentication
 * costs. Only the signature's verdict is kept; the time claims and every rule of
 * `actorFromClaims` are checked again on each request. Bounded, cleared when full.
 */
const verifiedPayloads = new Map<string, { secret: string; payload: Record<string, unknown> }>();
const VERIFIED_PAYLOADS_LIMIT = 10_000;

/** Whether a payload's exp and nbf allow it at `nowSeconds`, as jwtVerify judges them. */
function inForce(payload: Record<string, unknown>, nowSeconds: number): boolean {
  const { exp, nbf } = payload;
  if (typeof exp !== 'number' || exp <= nowSeconds) return false;
  return nbf === undefined || (typeof nbf === 'number' && nbf <= nowSeconds);
}

export async function verifyToken(token: string, policy: TokenPolicy, nowMs = Date.now()): Promise<Actor> {
  const nowSeconds = Math.floor(nowMs / 1000);
  const known = verifiedPayloads.get(token);
  if (known?.secret === policy.secret && inForce(known.payload, nowSeconds)) return actorFromClaims(known.payload, policy, nowSeconds);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, encodeSecret(policy.secret), {
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      currentDate: new Date(nowMs),
    }));
    if (verifiedPayloads.size >= VERIFIED_PAYLOADS_LIMIT) verifiedPayloads.clear();
    verifiedPayloads.set(token, { secret: policy.secret, payload });
  } catch (error) {
    const reason =
      error instanceof joseErrors.JWTExpired
        ? 'the token has expired'
        : error instanceof joseErrors.JOSEAlgNotAllowed
          ? 'only HS256 tokens are accepted'
          : error instanceof joseErrors.JWTClaimValidationFailed
            ? `the token's ${error.claim} claim is missing or invalid`
            : 'the token is not valid';
    throw new AppError('UNAUTHENTICATED', reason);
  }
  return actorFromClaims(payload, policy, nowSeconds);
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  return header.match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? '';
}

/** The rate-limit key: the verified `sub`, else the caller's address (junk tokens buy no fresh budget). */
export function rateLimitKey(request: FastifyRequest): string {
  const authentication = request.authentication;
  return authentication && 'actor' in authentication ? `sub:${authentication.actor.sub}` : `ip:${request.ip}`;
}

/** Verifies the bearer token, first of all hooks, so the rate limit can key on it. */
export function registerAuthentication(app: FastifyInstance, policy: TokenPolicy): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('authentication', null);
  app.addHook('onRequest', async (request) => {
    const token = bearerToken(request);
    if (token === null) return;
    if (token === '') {
      request.authentication = { error: new AppError('UNAUTHENTICATED', 'an Authorization: Bearer token is required') };
      return;
    }
    try {
      request.authentication = { actor: await verifyToken(token, policy) };
    } catch (error) {
      request.authentication = { error: error instanceof AppError ? error : new AppError('UNAUTHENTICATED', 'the token is not valid') };
    }
  });
}

/** The authenticated caller; only on routes whose `access` is a role list. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('UNAUTHENTICATED', 'not authenticated');
  return request.actor;
}
