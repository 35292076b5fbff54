/**
 * The web console (console/, built by Vite into console/dist): static files at `/console/`, `/`
 * redirecting there, and two small JSON answers the console reads before anyone signs in. Same
 * origin as the API, so the console calls `/v1` with the bearer token the user signed in with.
 *
 * Public (api/policy.ts, CONSOLE_PREFIX): the files are no secret and not part of the API
 * contract (hidden from OpenAPI). The demo identities are served only when the local stack named
 * its tokens file (CONSOLE_DEMO_TOKENS_FILE, set by ./scripts/start alone) and only to loopback
 * callers; a production configuration never sets it, so there they do not exist (404).
 */
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../../domain/errors.js';

export interface ConsoleOptions {
  /** the Temporal Web UI for operators (local mode), linked from the case page */
  temporalUiUrl?: string | undefined;
  /** the Temporal namespace of the case workflows, for that link */
  temporalNamespace?: string | undefined;
  /** the local stack's demo tokens ({label: token}); unset in production */
  demoTokensFile?: string | undefined;
  /** the built console (default console/dist in the repository) */
  root?: string;
}

export const CONSOLE_BUILD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../console/dist');

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Hashed assets never change; index.html always revalidates so a rebuild shows at once. */
function cacheControl(file: string): string {
  return file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

// Everything is bundled: nothing from another origin, no inline script. Chart.js and React set
// styles through the CSSOM, which style-src does not govern; 'unsafe-inline' covers style attributes.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

export const consoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, options) => {
  const root = options.root ?? CONSOLE_BUILD_DIR;
  const hide = { schema: { hide: true } };

  app.get('/', hide, async (_request, reply) => reply.redirect('/console/', 302));
  app.get('/console', hide, async (_request, reply) => reply.redirect('/console/', 301));

  app.get('/console/config.json', hide, async () => ({
    temporalUiUrl: options.temporalUiUrl ?? null,
    temporalNamespace: options.temporalNamespace ?? 'default',
    demo: options.demoTokensFile !== undefined,
  }));

  app.get('/console/demo-identities.json', hide, async (request) => {
    const file = options.demoTokensFile;
    if (file === undefined || !LOOPBACK.has(request.socket.remoteAddress ?? '')) {
      throw new AppError('NOT_FOUND', 'no demo identities here');
    }
    let tokens: Record<string, string>;
    try {
      tokens = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    } catch {
      // ./scripts/start writes the file once the API is up: a moment later it is there
      return { items: [] };
    }
    return { items: Object.entries(tokens).map(([label, token]) => ({ label, token })) };
  });

  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn({ root }, 'the console is not built (npm run console:build); /console/ answers 503 until it is');
    app.get('/console/*', hide, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The console is not built: run `npm run console:build` (./scripts/start and ./scripts/test build it).\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/console/',
    schemaHide: true,
    // the console's own files only: no directory listing, no dot files
    list: false,
    dotfiles: 'ignore',
    cacheControl: false,
    setHeaders: (response, file) => {
      response.setHeader('cache-control', cacheControl(file));
      response.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
      response.setHeader('x-content-type-options', 'nosniff');
      response.setHeader('referrer-policy', 'no-referrer');
    },
  });
};
