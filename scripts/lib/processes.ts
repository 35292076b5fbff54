/** Child processes and ports for the local stack and the test setup. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a start failed on a port taken before its process bound it (Node's EADDRINUSE; Go's and Rust's wordings). */
export function isPortTaken(error: unknown): boolean {
  return /EADDRINUSE|address already in use/i.test(error instanceof Error ? error.message : String(error));
}

/**
 * Runs `start`, which picks its ports with findFreePort, and starts again when it fails on a taken
 * port: a port found free is released before our process binds it, and another program (tests run
 * side by side; the Temporal dev server binds ports of its own choosing) can take it meanwhile.
 */
export async function onFreePorts<T>(start: () => Promise<T>, onRetry: () => void = () => {}, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !isPortTaken(error)) throw error;
      onRetry();
    }
  }
}

export async function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, host);
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} was not ready within ${timeoutMs / 1000} s`);
}

export interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<number | null>;
  /** a quiet child's last lines on stderr, for saying why it stopped */
  recentErrors(): string;
}

export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {},
): Child {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    stdio: options.quiet ? ['ignore', 'ignore', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // a quiet child's stderr is read (a pipe nobody reads would block it once full) and its tail kept
  const tail: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 30));
  });
  return { name, process: child, exited, recentErrors: () => tail.join('\n') };
}

/** Whether a child process has exited, by itself or by a signal. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export async function stopChild(child: Child, timeoutMs = 10_000): Promise<void> {
  if (hasExited(child.process)) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), timeoutMs);
  await child.exited;
  clearTimeout(timer);
}

/** True while the child runs: for a readiness check, which then fails at once, with its last stderr lines, once it has exited. */
export function alive(child: Child): boolean {
  if (hasExited(child.process)) {
    throw new Error(`${child.name} exited (${child.process.exitCode ?? child.process.signalCode}):\n${child.recentErrors()}`);
  }
  return true;
}

/** Whether an API of ours at `baseUrl` says it is ready to serve. */
export async function isApiReady(baseUrl: string): Promise<boolean> {
  return (await fetch(`${baseUrl}/readyz`).catch(() => null))?.ok === true;
}

/** Node with TypeScript support (tsx), for the project's own entry points. */
export function nodeArgs(entry: string, nodeFlags: string[] = []): string[] {
  return [...nodeFlags, '--import', 'tsx', entry];
}
