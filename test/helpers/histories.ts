/**
 * Workflow histories kept in `test/histories/` and replayed on every test run, so a change to the
 * workflow code that would break running cascades fails the suite. A file holds the history in
 * protobufjs's JSON object form (int64s as strings, enums by name, bytes in base64), written and
 * read with `@temporalio/proto`'s own classes: the SDK's `historyToJSON`/`historyFromJSON` fail in
 * this install ("type must be a Type"), as each Temporal package carries its own protobufjs copy.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export type History = temporal.api.history.v1.IHistory;
const HistoryMessage = temporal.api.history.v1.History;

export const HISTORIES_DIR = path.join(__dirname, '..', 'histories');

/** `LLM_CASCADE_RECORD_HISTORIES=1`: tests that record histories write them to `test/histories/`. */
export function recordingHistories(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.LLM_CASCADE_RECORD_HISTORIES === '1';
}

/** A file name from a label: stable across runs, so re-recording replaces rather than piles up. */
export function historyFileName(label: string): string {
  return `${label.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
}

export async function saveHistory(label: string, history: History, dir = HISTORIES_DIR): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, historyFileName(label));
  const json = HistoryMessage.toObject(HistoryMessage.fromObject(history), {
    longs: String,
    enums: String,
    bytes: String,
  });
  await writeFile(file, `${JSON.stringify(json, null, 1)}\n`);
  return file;
}

/** Fetches and saves the histories of finished workflows, one file per label. */
export async function recordHistories(
  client: Client,
  workflows: ReadonlyArray<{ label: string; workflowId: string }>,
  dir = HISTORIES_DIR,
): Promise<string[]> {
  const files: string[] = [];
  for (const { label, workflowId } of workflows)
    files.push(await saveHistory(label, await client.workflow.getHandle(workflowId).fetchHistory(), dir));
  return files;
}

/** Every stored history, named by its file. */
export async function loadHistories(dir = HISTORIES_DIR): Promise<Array<{ workflowId: string; history: History }>> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(
    names.map(async (name) => ({
      workflowId: name.replace(/\.json$/, ''),
      history: HistoryMessage.fromObject(JSON.parse(await readFile(path.join(dir, name), 'utf8'))),
    })),
  );
}

const { EventType } = temporal.api.enums.v1;

/** Workflow task failures in a history: workflow code that threw or could not replay. Each is a bug. */
export function workflowTaskFailures(history: History): string[] {
  return (history.events ?? [])
    .filter((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
    .map((event) => event.workflowTaskFailedEventAttributes?.failure?.message ?? 'workflow task failed');
}
