/**
 * The embedded default database for ./scripts/start: PGlite (PostgreSQL compiled to WASM) with
 * its data under DATA_DIR, served over the PostgreSQL wire protocol so the code keeps one driver.
 * Usage: tsx db/pglite-server.ts <data-dir> <port>
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const [dataDir, portText] = process.argv.slice(2);
if (!dataDir || !portText) {
  console.error('usage: pglite-server <data-dir> <port>');
  process.exit(2);
}
const db = await PGlite.create(dataDir);
const server = new PGLiteSocketServer({ db, port: Number(portText), host: '127.0.0.1', maxConnections: 32 });
await server.start();
console.log(`pglite listening on 127.0.0.1:${portText}`);

async function stop(): Promise<void> {
  await server.stop();
  await db.close();
  process.exit(0);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
