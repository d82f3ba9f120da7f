// A throwaway PostgreSQL cluster for tests: initdb in a temporary folder, a server on 127.0.0.1 at a
// free port (and a Unix socket in the same folder), a password for the `postgres` role, and a stop
// that always cleans up. As root, the server runs as the `postgres` system user (initdb refuses
// root). Failing to start throws with the server's log: the tests that need it fail, never skip.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface PostgresCluster {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The folder holding the server's Unix socket. */
  socketDir: string;
  /** `postgresql://postgres:<password>@127.0.0.1:<port>/<database>` (password URL-encoded). */
  url(database: string, options?: { password?: string; driver?: string }): string;
  /** Runs SQL as the superuser in `database` (default `postgres`) through psql; returns stdout. */
  sql(statement: string, database?: string): string;
  /** Stops the server and deletes its folder; safe to call twice. */
  stop(): void;
}

/** Where initdb / pg_ctl / psql live: ALEMBIC_LENS_PG_BIN, Debian's newest /usr/lib/postgresql/N/bin, or PATH. */
export function findPostgresBin(): string | undefined {
  const candidates: string[] = [];
  if (process.env.ALEMBIC_LENS_PG_BIN) candidates.push(process.env.ALEMBIC_LENS_PG_BIN);
  try {
    const versions = fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // not Debian's layout
  }
  candidates.push(...(process.env.PATH ?? '').split(path.delimiter));
  return candidates.find(
    (dir) => dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl')),
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(options: { password?: string } = {}): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error(
      'PostgreSQL server binaries not found (initdb, pg_ctl): install the Debian package `postgresql` (scripts/ensure-system.sh alembic does), or set ALEMBIC_LENS_PG_BIN.',
    );
  }
  const asRoot = process.getuid?.() === 0;
  if (asRoot && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    throw new Error(
      'Running as root, and there is no `postgres` system user to run the server as (initdb refuses root).',
    );
  }
  const password = options.password ?? 'lens-test-pw';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const pwFile = path.join(dir, 'pwfile');
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (asRoot) execFileSync('chown', ['-R', 'postgres:', dir]);

  const run = (tool: string, args: string[], timeoutMs = 60000): { ok: boolean; output: string } => {
    const command = asRoot ? 'runuser' : path.join(bin, tool);
    const commandArgs = asRoot ? ['-u', 'postgres', '--', path.join(bin, tool), ...args] : args;
    const result = spawnSync(command, commandArgs, {
      cwd: dir,
      encoding: 'utf8',
      timeout: timeoutMs,
      env: { ...process.env, LC_ALL: 'C', PGPASSWORD: password },
    });
    return {
      ok: result.status === 0,
      output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`,
    };
  };
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', stop);
    if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
      const result = run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '20', 'stop'], 30000);
      if (!result.ok) killPostmaster(dataDir);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const fail = (what: string, output: string): never => {
    let log = '';
    try {
      log = fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      // no log yet
    }
    stop();
    throw new Error(`PostgreSQL test cluster: ${what} failed.\n${output.trim()}\n${log ? `server log:\n${log}` : ''}`);
  };

  // A crash of the test process must not leave a server behind.
  process.on('exit', stop);
  const init = run('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    `--pwfile=${pwFile}`,
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  if (!init.ok) fail('initdb', init.output);

  let port = 0;
  let started = false;
  // The port is free when chosen but may be taken before the server binds it: try a few.
  for (let attempt = 0; attempt < 3 && !started; attempt++) {
    port = await freePort();
    const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off`;
    const start = run('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', serverOptions, '-w', '-t', '30', 'start'], 45000);
    started = start.ok;
    if (!started && attempt === 2) fail('pg_ctl start', start.output);
  }

  const cluster: PostgresCluster = {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    socketDir: dir,
    url(database, opts = {}) {
      const pw = encodeURIComponent(opts.password ?? password);
      return `postgresql${opts.driver ? `+${opts.driver}` : ''}://postgres:${pw}@127.0.0.1:${port}/${database}`;
    },
    sql(statement, database = 'postgres') {
      const psql = run('psql', [
        '-h',
        dir,
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        database,
        '-v',
        'ON_ERROR_STOP=1',
        '-qAt',
        '-c',
        statement,
      ]);
      if (!psql.ok) throw new Error(`psql: ${statement}: ${psql.output}`);
      return psql.output;
    },
    stop,
  };
  // pg_ctl -w waits for the server to accept connections; check TCP with the password too.
  const deadline = Date.now() + 15000;
  for (;;) {
    const probe = run(
      'psql',
      ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-qAt', '-c', 'select 1'],
      10000,
    );
    if (probe.ok) break;
    if (Date.now() > deadline) fail('waiting for the server', probe.output);
    await new Promise((r) => setTimeout(r, 200));
  }
  return cluster;
}

function killPostmaster(dataDir: string): void {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // already gone
  }
}
