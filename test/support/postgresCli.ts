// A throwaway PostgreSQL cluster for a shell script (scripts/vscode-test.sh): starts one with
// test/support/postgres.ts, creates an empty database, writes its URL to a file, and keeps the cluster
// until it gets SIGTERM/SIGINT or its parent process dies (so a killed harness leaves no server behind).
//
//   node out/test/support/postgresCli.js --url-file FILE [--database NAME]
//
// The URL holds the test password: it goes to FILE (mode 600), never to stdout. FILE appears only once
// the server accepts connections; a failure to start exits 1 with the reason on stderr.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startPostgres } from './postgres';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'url-file': { type: 'string' }, database: { type: 'string', default: 'lens' } },
  });
  const urlFile = values['url-file'];
  const database = values.database ?? 'lens';
  if (!urlFile || !/^[a-z_][a-z0-9_]*$/.test(database)) {
    console.error('usage: postgresCli --url-file FILE [--database NAME]  (NAME: lower-case letters, digits, _)');
    process.exit(2);
  }
  const parent = process.ppid;
  const cluster = await startPostgres();
  const stop = (code: number): never => {
    cluster.stop();
    fs.rmSync(urlFile, { force: true });
    process.exit(code);
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  process.on('SIGHUP', () => stop(0));
  try {
    cluster.sql(`CREATE DATABASE ${database}`);
  } catch (err) {
    console.error(String((err as Error).message));
    stop(1);
  }
  fs.writeFileSync(`${urlFile}.tmp`, cluster.url(database), { mode: 0o600 });
  fs.renameSync(`${urlFile}.tmp`, urlFile);
  console.log(`[postgres] test cluster on 127.0.0.1:${cluster.port}, database ${database} (pid ${process.pid})`);
  // The parent is gone when we were re-parented (ppid changes) or it no longer answers signal 0.
  setInterval(() => {
    let alive = process.ppid === parent;
    try {
      if (alive) process.kill(parent, 0);
    } catch {
      alive = false;
    }
    if (!alive) stop(0);
  }, 1000);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
