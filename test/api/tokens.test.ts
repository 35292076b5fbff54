/**
 * Token claims (SPEC §4 Auth, §6.0 Tokens): properties over generated claims for the pure check,
 * then the same rules over HTTP against the real app.
 */
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorFromClaims, signToken, verifyToken } from '../../api/auth.js';
import { AppError } from '../../domain/errors.js';
import { call, startStack, TEST_SECRET, type Stack } from '../support/stack.js';

const DEPARTMENTS = new Set(['drc', 'nrp', 'housing', 'eco', 'cad', 'water', 'heritage', 'archives']);
const policy = { maxLifetimeSeconds: 30 * 86_400, isDepartment: (code: string) => DEPARTMENTS.has(code) };
const NOW = 1_800_000_000;

/** Text a claim may hold: 1–200 code points, no C0 control, no lone surrogate. */
const goodText = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 60 })
  .filter((text) => !/[\u0000-\u001f]/.test(text) && [...text].length <= 200 && text.length > 0);
const role = fc.constantFrom('window', 'reviewer', 'coordinator', 'admin');
const department = fc.constantFrom(...DEPARTMENTS);

const validClaims = fc
  .record({
    sub: goodText,
    name: goodText,
    role,
    department,
    iat: fc.integer({ min: NOW - 86_400 * 365, max: NOW + 60 }),
    lifetime: fc.integer({ min: 1, max: 30 * 86_400 }),
  })
  .map(({ lifetime, ...claims }) => ({ ...claims, exp: claims.iat + lifetime }));

function refusal(payload: Record<string, unknown>): string | null {
  try {
    actorFromClaims(payload, policy, NOW);
    return null;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

describe('actorFromClaims', () => {
  it('accepts every well-formed set of claims and returns exactly them', () => {
    fc.assert(
      fc.property(validClaims, (claims) => {
        expect(actorFromClaims(claims, policy, NOW)).toEqual({
          sub: claims.sub,
          name: claims.name,
          role: claims.role,
          department: claims.department,
        });
      }),
    );
  });

  it('refuses a sub, name or department holding a C0 control character, wherever it is', () => {
    fc.assert(
      fc.property(
        validClaims,
        fc.constantFrom('sub', 'name', 'department'),
        fc.integer({ min: 0, max: 0x1f }),
        fc.nat(),
        (claims, claim, control, at) => {
          const value = String(claims[claim as 'sub']);
          const index = at % (value.length + 1);
          const poisoned = value.slice(0, index) + String.fromCharCode(control) + value.slice(index);
          expect(refusal({ ...claims, [claim]: poisoned })).toBe('UNAUTHENTICATED');
        },
      ),
    );
  });

  it('refuses a lone surrogate and text longer than 200 code points, but counts a pair as one', () => {
    fc.assert(
      fc.property(validClaims, fc.constantFrom('sub', 'name'), fc.integer({ min: 0xd800, max: 0xdfff }), (claims, claim, unit) => {
        expect(refusal({ ...claims, [claim]: `${claims.sub}${String.fromCharCode(unit)}` })).toBe('UNAUTHENTICATED');
      }),
    );
    expect(refusal({ sub: 'a'.repeat(201), name: 'n', role: 'window', exp: NOW + 60, iat: NOW })).toBe('UNAUTHENTICATED');
    expect(refusal({ sub: '😀'.repeat(200), name: 'n', role: 'window', exp: NOW + 60, iat: NOW })).toBeNull();
  });

  it('refuses an unknown department, an unknown role, and a reviewer without a department', () => {
    fc.assert(
      fc.property(validClaims, goodText.filter((d) => !DEPARTMENTS.has(d)), (claims, unknown) => {
        expect(refusal({ ...claims, department: unknown })).toBe('UNAUTHENTICATED');
      }),
    );
    expect(refusal({ sub: 's', name: 'n', role: 'superuser', exp: NOW + 60 })).toBe('UNAUTHENTICATED');
    expect(refusal({ sub: 's', name: 'n', role: 'reviewer', exp: NOW + 60 })).toBe('UNAUTHENTICATED');
  });

  it('refuses iat more than 60 s ahead, and a lifetime past the limit, counted from iat or else from now', () => {
    fc.assert(
      fc.property(validClaims, fc.integer({ min: 61, max: 10 ** 9 }), (claims, ahead) => {
        expect(refusal({ ...claims, iat: NOW + ahead, exp: NOW + ahead + 10 })).toBe('UNAUTHENTICATED');
      }),
    );
    fc.assert(
      fc.property(validClaims, fc.integer({ min: 1, max: 10 ** 9 }), (claims, over) => {
        expect(refusal({ ...claims, exp: claims.iat + policy.maxLifetimeSeconds + over })).toBe('UNAUTHENTICATED');
        const { iat: _iat, ...withoutIat } = claims;
        expect(refusal({ ...withoutIat, exp: NOW + policy.maxLifetimeSeconds + over })).toBe('UNAUTHENTICATED');
        expect(refusal({ ...withoutIat, exp: NOW + policy.maxLifetimeSeconds })).toBeNull();
      }),
    );
  });
});

describe('verifyToken', () => {
  const full = { ...policy, secret: TEST_SECRET };

  it('refuses a token it accepted before once its exp has passed, and one whose signature it has not checked with this secret', async () => {
    const token = await signToken({ sub: 'w', name: 'w', role: 'window' }, TEST_SECRET, '1h');
    const now = Date.now();
    await expect(verifyToken(token, full, now)).resolves.toMatchObject({ sub: 'w', role: 'window' });
    // the second check comes from the verified-signature memo and must still read the clock
    await expect(verifyToken(token, full, now)).resolves.toMatchObject({ sub: 'w' });
    await expect(verifyToken(token, full, now + 2 * 3_600_000)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'the token has expired' });
    await expect(verifyToken(token, { ...full, secret: `${TEST_SECRET}-rotated` }, now)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('re-checks the claims on every request: a department the catalog no longer has is refused', async () => {
    const token = await signToken({ sub: 'r', name: 'r', role: 'reviewer', department: 'eco' }, TEST_SECRET, '1h');
    await expect(verifyToken(token, full)).resolves.toMatchObject({ department: 'eco' });
    await expect(verifyToken(token, { ...full, isDepartment: () => false })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('tokens over HTTP', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.close());

  async function mint(payload: Record<string, unknown>, lifetimeSeconds = 3_600): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(new TextEncoder().encode(TEST_SECRET));
  }

  it('answers 401 for a name holding U+0000, for an unknown department, and for a token living a century', async () => {
    for (const token of [
      await mint({ sub: 'w1', name: 'win\u0000dow', role: 'window' }),
      await mint({ sub: 'r1', name: 'reviewer', role: 'reviewer', department: 'no-such-department' }),
      await mint({ sub: 'w1', name: 'window', role: 'window' }, 100 * 365 * 86_400),
    ]) {
      const response = await call(stack.app, 'GET', '/v1/catalog', token);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    }
    expect((await call(stack.app, 'GET', '/v1/catalog', await mint({ sub: 'w1', name: '窗口', role: 'window' }))).statusCode).toBe(200);
  });
});
