/**
 * Children that cannot outlive their owner, measured with real SIGKILLs (lib/child-lifeline.ts), and
 * a process noticing that its launcher is gone (lib/launcher-watch.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setprivPath, spawnTied, type Lifeline } from '../lib/child-lifeline';
import { isRunning, processGroup, waitUntilGone } from './helpers/processes';

const FIXTURE = path.join(__dirname, 'helpers', 'lifeline-fixture.ts');

let workDir: string;
const started: number[] = [];
before(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'llm-cascade-lifelines-'));
});
after(async () => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
  await rm(workDir, { recursive: true, force: true });
});

type Event = Record<string, number | string>;

/** Runs the fixture in `role`; its events come from the report file it appends to. */
function runFixture(args: string[]): { pid: number; events: (need: (events: Event[]) => boolean) => Promise<Event> } {
  const report = path.join(workDir, `report-${started.length}-${Date.now()}.jsonl`);
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args, report], { stdio: 'ignore' });
  started.push(child.pid!);
  return {
    pid: child.pid!,
    async events(need) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const text = await readFile(report, 'utf8').catch(() => '');
        const events = text
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Event);
        if (need(events)) return Object.assign({}, ...events) as Event;
        if (Date.now() > deadline) throw new Error(`the fixture ${args.join(' ')} reported only ${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

describe('spawnTied', () => {
  const lifelines: Array<[Lifeline, string | false]> = [
    ['pdeathsig', setprivPath() ? false : 'setpriv --pdeathsig is not available on this machine'],
    ['watcher', false],
  ];
  for (const [lifeline, skip] of lifelines) {
    it(`(${lifeline}) the child dies when its owner is SIGKILLed`, { skip }, async () => {
      const owner = runFixture(['tied', lifeline]);
      const report = await owner.events(
        (events) => events.some((e) => 'owner' in e) && events.some((e) => 'command' in e),
      );
      assert.equal(report.lifeline, lifeline);
      const pids = [Number(report.child), Number(report.command)];
      for (const pid of pids) assert.ok(await isRunning(pid), `pid ${pid} runs before the kill`);

      process.kill(owner.pid, 'SIGKILL');
      assert.deepEqual(await waitUntilGone([owner.pid, ...pids]), [], 'nothing the owner started survives it');
    });
  }

  it('(watcher) passes SIGTERM on to the command and kills it on SIGKILL', async () => {
    const exits: string[] = [];
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const tied = spawnTied(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], {
        lifeline: 'watcher',
        output: 'ignore',
      });
      await new Promise((resolve) => tied.process.once('spawn', resolve));
      const exited = new Promise<number | null>((resolve) => tied.process.once('exit', (code) => resolve(code)));
      // Let the watcher start its command before signalling it.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      tied.kill(signal);
      exits.push(`${signal}: ${await exited}`);
    }
    // The watcher exits as its command did: 128 + the signal's number.
    assert.deepEqual(exits, ['SIGTERM: 143', 'SIGKILL: 137']);
  });
});

describe('killGroupOnExit', () => {
  it('kills the whole process group when its owner is SIGKILLed', async () => {
    const owner = runFixture(['group']);
    const pgid = Number((await owner.events((events) => events.some((e) => 'group' in e))).group);
    // The leader and the child it starts.
    const deadline = Date.now() + 30_000;
    while ((await processGroup(pgid)).length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const members = await processGroup(pgid);
    assert.equal(members.length, 2, `the group ${pgid} has its leader and its child`);

    process.kill(owner.pid, 'SIGKILL');
    assert.deepEqual(await waitUntilGone([owner.pid, ...members]), []);
  });
});

describe('watchLaunchers', () => {
  it('tells a process that a launcher above its parent (npm, above sh and tsx) is gone', async () => {
    const npm = runFixture(['npm']);
    const report = await npm.events(
      (events) => events.some((e) => 'service' in e) && events.some((e) => 'wrapper' in e),
    );
    const [wrapper, service] = [Number(report.wrapper), Number(report.service)];
    started.push(wrapper, service);
    // Watching is quiet while nothing happens.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok(await isRunning(service));

    process.kill(npm.pid, 'SIGKILL');
    const gone = await npm.events((events) => events.some((e) => 'gone' in e));
    assert.equal(gone.gone, npm.pid, 'the launcher named is the one killed');
    assert.deepEqual(await waitUntilGone([service]), [], 'the service stopped');
    assert.ok(await isRunning(wrapper), 'the wrapper in between did not notice: it was the service that did');
  });
});
