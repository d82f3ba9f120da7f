// A stand-in for `docker` where no Docker engine runs: an executable named `docker`, put first on PATH,
// that accepts only `docker compose exec [--workdir DIR] -T SERVICE COMMAND...`, logs its argv and
// what it reads on stdin, and runs COMMAND as a container would (`python` and `alembic` are the real
// Python with Alembic): in DIR, with the container's own environment (none of the caller's variables),
// stdin, stdout and stderr relayed through it. The "container" sees the project at the Compose file's
// mount point, a symbolic link to the host folder; an argument naming a host path of the project is
// refused, as it would not exist in a real container. Like `docker compose exec`, it does not pass
// signals on: when it is killed, the process "in the container" only sees its stdin, stdout and stderr
// close.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURE_PYTHON } from './migrationFixtures';

export interface FakeDocker {
  /** Put first on PATH. */
  binDir: string;
  /** The mount point of the project in the "container" (a link to the host folder). */
  mountPoint: string;
  /** Every call: its argv, the pid of the process it started, and the exit code. */
  calls(): Array<{ argv: string[]; pid?: number; error?: string }>;
  /** Everything the calls read on stdin, in order. */
  stdin(): string;
  /** PATH with the fake first. */
  path(base?: string): string;
}

const SCRIPT = `
import json, os, subprocess, sys, threading

LOG, STDIN_LOG, SERVICE, HOST_FOLDER, PYTHON = sys.argv[1:6]
argv = sys.argv[6:]


def log(entry):
    with open(LOG, "a") as f:
        f.write(json.dumps(entry) + "\\n")


def refuse(message):
    log({"argv": argv, "error": message})
    sys.stderr.write("fake docker: %s\\n" % message)
    sys.exit(125)


if argv[:2] != ["compose", "exec"]:
    refuse("only 'compose exec' is supported")
i, workdir, no_tty = 2, None, False
while i < len(argv) and argv[i].startswith("-"):
    if argv[i] in ("--workdir", "-w"):
        workdir = argv[i + 1]
        i += 2
    elif argv[i] == "-T":
        no_tty = True
        i += 1
    else:
        refuse("unknown option %s" % argv[i])
if not no_tty:
    refuse("-T is needed: no terminal to allocate")
if i >= len(argv) or argv[i] != SERVICE:
    refuse("no such service: %s" % (argv[i] if i < len(argv) else "(none)"))
command = argv[i + 1:]
if not command:
    refuse("no command")
if any(HOST_FOLDER in word for word in argv):
    refuse("a host path is not in the container: %s" % next(w for w in argv if HOST_FOLDER in w))
if command[0] == "python":
    command[0] = PYTHON
elif command[0] == "alembic":
    command[0:1] = [PYTHON, "-m", "alembic"]
env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/root"}
child = subprocess.Popen(
    command, cwd=workdir or "/", env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
)
log({"argv": argv, "pid": child.pid})


def relay(source, target, copy=None):
    try:
        while True:
            data = os.read(source.fileno(), 65536)
            if not data:
                break
            if copy is not None:
                with open(copy, "ab") as f:
                    f.write(data)
            target.write(data)
            target.flush()
        target.close()
    except (OSError, ValueError):
        pass


threads = [
    threading.Thread(target=relay, args=(sys.stdin.buffer, child.stdin, STDIN_LOG), daemon=True),
    threading.Thread(target=relay, args=(child.stdout, sys.stdout.buffer)),
    threading.Thread(target=relay, args=(child.stderr, sys.stderr.buffer)),
]
for t in threads:
    t.start()
code = child.wait()
threads[1].join()
threads[2].join()
sys.exit(code)
`;

/**
 * Writes the fake into `dir`: `service` is the only Compose service it runs, and `mountPoint` (under
 * `dir`) is made a link to `hostFolder`.
 */
export function makeFakeDocker(dir: string, service: string, hostFolder: string): FakeDocker {
  const binDir = path.join(dir, 'bin');
  const log = path.join(dir, 'docker-calls.jsonl');
  const stdinLog = path.join(dir, 'docker-stdin.log');
  const mountPoint = path.join(dir, 'container', 'app');
  fs.mkdirSync(binDir, { recursive: true });
  fs.mkdirSync(path.dirname(mountPoint), { recursive: true });
  fs.symlinkSync(hostFolder, mountPoint);
  fs.writeFileSync(path.join(dir, 'fake_docker.py'), SCRIPT);
  const args = [path.join(dir, 'fake_docker.py'), log, stdinLog, service, hostFolder, FIXTURE_PYTHON];
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  fs.writeFileSync(path.join(binDir, 'docker'), `#!/bin/sh\nexec ${FIXTURE_PYTHON} ${quoted} "$@"\n`, {
    mode: 0o755,
  });
  return {
    binDir,
    mountPoint,
    calls: () =>
      fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line))
        : [],
    stdin: () => (fs.existsSync(stdinLog) ? fs.readFileSync(stdinLog, 'utf8') : ''),
    path: (base = process.env.PATH ?? '') => `${binDir}${path.delimiter}${base}`,
  };
}
