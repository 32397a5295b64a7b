import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
const db = await PGlite.create({ dataDir: 'memory://' });
const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 8, debug: false, inspect: process.env.DBG === '1' });
await server.start();
const port = Number(server.getServerConn().split(':')[1]);
const cfg = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres', query_timeout: 3000 };
const a = new pg.Client(cfg); await a.connect();
const b = new pg.Client(cfg); await b.connect();
await a.query('create table t(a int)');
console.log('------ go');
const mode = process.env.MODE;
async function tx(c: pg.Client, i: number, tag: string) {
  await c.query('begin'); console.log(tag, 'begun');
  if (mode === 'simple') await c.query(`insert into t values (${i})`); else await c.query('insert into t values ($1)', [i]);
  console.log(tag, 'inserted');
  await c.query('commit'); console.log(tag, 'committed');
}
try {
  await Promise.all([tx(a, 1, 'A'), tx(b, 2, 'B')]);
  console.log('b', (await b.query('select 1 as x')).rows); console.log('a', (await a.query('select 1 as x')).rows);
} catch (e) { console.log('failed', (e as Error).message); }
await a.end().catch(() => undefined); await b.end().catch(() => undefined);
await server.stop(); await db.close();
