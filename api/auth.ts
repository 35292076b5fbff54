/**
 * Bearer JWT authentication (HS256 only) and role checks, run in `onRequest` so that a caller
 * who may not use a route learns nothing about its body (401 → 403 come before 400).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ROLES, type Actor, type Role } from '../domain/case-types.js';
import { AppError } from '../domain/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    /** roles allowed on the route; `public` needs no token */
    access?: readonly Role[] | 'public';
  }
}

export interface TokenClaims {
  sub: string;
  name: string;
  role: Role;
  department?: string;
}

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

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

export async function verifyToken(token: string, secret: string): Promise<Actor> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, encodeSecret(secret), { algorithms: ['HS256'], requiredClaims: ['exp'] }));
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
  const { sub, name, role, department } = payload;
  if (!isNonEmptyString(sub) || !isNonEmptyString(name)) {
    throw new AppError('UNAUTHENTICATED', 'the token lacks the sub or name claim');
  }
  if (!ROLES.includes(role as Role)) throw new AppError('UNAUTHENTICATED', 'the token has an unknown role');
  if (role === 'reviewer' && !isNonEmptyString(department)) {
    throw new AppError('UNAUTHENTICATED', 'a reviewer token needs a department claim');
  }
  return {
    sub,
    name,
    role: role as Role,
    ...(isNonEmptyString(department) ? { department } : {}),
  };
}

/**
 * The rate-limit key, computed before authentication: the `sub` of a correctly signed HS256
 * token, else the caller's IP, so junk or re-spelled tokens never buy a fresh budget.
 */
export function rateLimitKey(request: FastifyRequest, secret: string): string {
  const token = request.headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  const [header, payload, signature] = token?.split('.') ?? [];
  if (header && payload && signature) {
    const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length === expected.length && timingSafeEqual(given, expected)) {
      try {
        const alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg;
        const sub = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown }).sub;
        if (alg === 'HS256' && typeof sub === 'string') return `sub:${sub}`;
      } catch {
        // not JSON: fall back to the address
      }
    }
  }
  return `ip:${request.ip}`;
}

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'an Authorization: Bearer token is required');
  return match[1];
}

export function registerAuth(app: FastifyInstance, secret: string): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    // Unknown routes (404) and public ones need no token.
    if (access === undefined || access === 'public') return;
    const actor = await verifyToken(bearerToken(request), secret);
    request.actor = actor;
    if (actor.role !== 'admin' && !access.includes(actor.role as Role)) {
      throw new AppError('FORBIDDEN', `the ${actor.role} role may not use this route`);
    }
  });
}

/** The authenticated caller; only on routes whose `access` is a role list. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('UNAUTHENTICATED', 'not authenticated');
  return request.actor;
}
