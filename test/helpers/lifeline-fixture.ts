/**
 * A process for `test/process-lifelines.test.ts` to SIGKILL: it starts children the way the project
 * does and reports their pids as JSON lines appended to a file (its stdout may die with it).
 *
 *   lifeline-fixture.ts tied <pdeathsig|watcher> <report>   a spawnTied child (its command reports its own pid)
 *   lifeline-fixture.ts group <report>                      a detached process group with killGroupOnExit
 *   lifeline-fixture.ts npm <report>                        plays npm: runs `wrapper` as an npm script would
 *   lifeline-fixture.ts wrapper <report>                    plays sh/tsx: runs `service`, passes nothing on
 *   lifeline-fixture.ts service <report>                    watchLaunchers; reports when a launcher is gone
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { killGroupOnExit, spawnTied, type Lifeline } from '../../lib/child-lifeline';
import { watchLaunchers } from '../../lib/launcher-watch';

const [mode, ...rest] = process.argv.slice(2);
const report = rest[rest.length - 1]!;
const say = (event: Record<string, unknown>) => appendFileSync(report, `${JSON.stringify(event)}\n`);
const self = (role: string) => [...process.execArgv, __filename, role, report];
const IDLE = 'setInterval(() => {}, 60_000)';

switch (mode) {
  case 'tied': {
    const reportPid = `require('node:fs').appendFileSync(process.argv[1], JSON.stringify({ command: process.pid }) + '\\n'); ${IDLE}`;
    const tied = spawnTied(process.execPath, ['-e', reportPid, report], {
      lifeline: rest[0] as Lifeline,
      output: 'ignore',
    });
    say({ owner: process.pid, child: tied.process.pid, lifeline: tied.lifeline });
    break;
  }
  case 'group': {
    const leader = spawn(
      process.execPath,
      ['-e', `require('node:child_process').spawn(process.execPath, ['-e', '${IDLE}'], { stdio: 'ignore' }); ${IDLE}`],
      {
        detached: true,
        stdio: 'ignore',
      },
    );
    killGroupOnExit(leader.pid!);
    say({ owner: process.pid, group: leader.pid });
    break;
  }
  case 'npm': {
    const env = { ...process.env, npm_lifecycle_event: 'fixture', npm_lifecycle_script: 'wrapper then service' };
    spawn(process.execPath, self('wrapper'), { env, stdio: 'ignore' });
    say({ npm: process.pid });
    break;
  }
  case 'wrapper': {
    spawn(process.execPath, self('service'), { stdio: 'ignore' });
    say({ wrapper: process.pid });
    break;
  }
  case 'service': {
    void watchLaunchers({
      intervalMs: 200,
      onGone: (launcher) => {
        say({ gone: launcher.pid });
        process.exit(0);
      },
    }).then(() => say({ service: process.pid }));
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
setInterval(() => {}, 60_000);
