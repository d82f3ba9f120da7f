// A throwaway MariaDB server for tests: mariadb-install-db in a temporary folder, a server on 127.0.0.1
// at a free port (and a Unix socket in the same folder), a user with a password for TCP, and a stop that
// always cleans up. As root, the server runs as the `mysql` system user. Failing to start throws with
// the server's log: the tests that need it fail, never skip.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './postgres';

export interface MariaDbServer {
  port: number;
  user: string;
  password: string;
  /** `mysql+pymysql://<user>:<password>@127.0.0.1:<port>/<database>` (password URL-encoded). */
  url(database: string): string;
  /** Runs SQL as root over the socket; returns the rows, tab-separated. */
  sql(statement: string): string;
  /** Stops the server and deletes its folder; safe to call twice. */
  stop(): Promise<void>;
}

const SERVER = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((file) => fs.existsSync(file));
const START_TIMEOUT_MS = 30000;

export async function startMariaDb(options: { password?: string } = {}): Promise<MariaDbServer> {
  if (!SERVER || !fs.existsSync('/usr/bin/mariadb-install-db')) {
    throw new Error(
      'MariaDB server not found (mariadbd, mariadb-install-db): install the Debian package `mariadb-server` (scripts/ensure-system.sh alembic does).',
    );
  }
  const asRoot = process.getuid?.() === 0;
  const password = options.password ?? 'lens-test-pw';
  const user = 'lens';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-mariadb-'));
  const dataDir = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const logFile = path.join(dir, 'server.log');
  if (asRoot) execFileSync('chown', ['-R', 'mysql:', dir]);
  const runAs = asRoot ? ['--user=mysql'] : [];

  let server: ChildProcess | undefined;
  let stopped = false;
  const kill = (): void => {
    server?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', kill);
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise<void>((resolve) => server!.once('exit', () => resolve()));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server!.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const fail = async (what: string, output: string): Promise<never> => {
    let log = '';
    try {
      log = fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      // no log yet
    }
    await stop();
    throw new Error(`MariaDB test server: ${what} failed.\n${output.trim()}\n${log ? `server log:\n${log}` : ''}`);
  };
  const client = (statement: string): { ok: boolean; output: string } => {
    const result = spawnSync('mariadb', ['--no-defaults', '-S', socket, '-u', 'root', '-N', '-B', '-e', statement], {
      encoding: 'utf8',
      timeout: 30000,
    });
    return {
      ok: result.status === 0,
      output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`,
    };
  };

  // A crash of the test process must not leave a server behind.
  process.on('exit', kill);
  const init = spawnSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${dataDir}`, ...runAs, '--auth-root-authentication-method=socket', '--skip-test-db'],
    { encoding: 'utf8', timeout: 120000 },
  );
  if (init.status !== 0) await fail('mariadb-install-db', `${init.stdout}${init.stderr}${init.error ?? ''}`);

  const port = await freePort();
  server = spawn(
    SERVER,
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      ...runAs,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--log-error=${logFile}`,
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      `--tmpdir=${dir}`,
      '--skip-log-bin',
      '--innodb-buffer-pool-size=32M',
      '--innodb-flush-log-at-trx-commit=0',
      '--innodb-doublewrite=0',
      '--skip-name-resolve',
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null) await fail('mariadbd', `exited with ${server.exitCode}`);
    const probe = client('SELECT 1');
    if (probe.ok) break;
    if (Date.now() > deadline) await fail('waiting for the server', probe.output);
    await new Promise((r) => setTimeout(r, 250));
  }
  const quoted = password.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const grant = client(
    `CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${quoted}'; GRANT ALL ON *.* TO '${user}'@'127.0.0.1';`,
  );
  if (!grant.ok) await fail('creating the test user', grant.output);

  return {
    port,
    user,
    password,
    url: (database) => `mysql+pymysql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    sql(statement) {
      const result = client(statement);
      if (!result.ok) throw new Error(`mariadb: ${statement}: ${result.output}`);
      return result.output;
    },
    stop,
  };
}
