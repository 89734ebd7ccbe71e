import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { type BatchSource } from '../core/batch';
import { ConfigError } from '../core/config';
import { BatchSourceError } from './batch-input';

/** Directories a `file` batch source may be under, comma-separated absolute paths (default: the working directory). */
export const BATCH_DIRS_ENV = 'LLM_CASCADE_BATCH_DIRS';
/** URL prefixes a `url` batch source must start with, comma-separated (default: none, so no URL is read). */
export const BATCH_URL_PREFIXES_ENV = 'LLM_CASCADE_BATCH_URL_PREFIXES';

/**
 * What the worker reads for a `batch` workflow: anyone who can start a workflow on the task queue
 * names the source, so the worker reads files only under these directories and URLs only under
 * these prefixes, never "any file or URL the worker can reach".
 */
export interface BatchSourcePolicy {
  /** Absolute, normalised directories. */
  directories: readonly string[];
  /** `scheme://host[:port]/path/` prefixes, normalised, each ending in `/` unless it is a whole URL. */
  urlPrefixes: readonly string[];
}

function entries(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/**
 * The policy from `LLM_CASCADE_BATCH_DIRS` and `LLM_CASCADE_BATCH_URL_PREFIXES`; problems (a relative
 * directory, a prefix that is not an http(s) URL or carries a query, credentials or a fragment) are
 * a `ConfigError` naming the variable and the entry.
 */
export function batchSourcePolicyFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): BatchSourcePolicy {
  const problems: string[] = [];
  const dirs = entries(env[BATCH_DIRS_ENV]);
  const directories = dirs.length > 0 ? dirs : [cwd];
  dirs.forEach((dir, i) => {
    if (!path.isAbsolute(dir)) problems.push(`${BATCH_DIRS_ENV}: entry ${i + 1} ("${dir}") is not an absolute path`);
  });
  const urlPrefixes = entries(env[BATCH_URL_PREFIXES_ENV]).flatMap((prefix, i) => {
    const problem = `${BATCH_URL_PREFIXES_ENV}: entry ${i + 1} ("${prefix.slice(0, 200)}")`;
    let url: URL;
    try {
      url = new URL(prefix);
    } catch {
      problems.push(`${problem} is not a URL`);
      return [];
    }
    if (!/^https?:$/.test(url.protocol)) problems.push(`${problem} is not an http(s) URL`);
    else if (url.username || url.password || url.search || url.hash)
      problems.push(`${problem} may not carry credentials, a query or a fragment`);
    else return [url.href];
    return [];
  });
  if (problems.length > 0) throw new ConfigError(problems, 'environment');
  return { directories: directories.map((dir) => path.resolve(dir)), urlPrefixes };
}

/** Whether `file` (absolute, normalised) is `dir` itself or inside it. */
export function isPathUnder(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Whether `url` is under `prefix`: same origin, and its path equal to the prefix's or below it
 * (a prefix `https://h/batches` allows `https://h/batches/x.jsonl`, not `https://h/batches-secret`).
 * Both are compared normalised, so `..` segments and percent-encoded dots cannot climb out.
 */
export function isUrlUnder(url: string, prefix: string): boolean {
  let target: URL;
  let base: URL;
  try {
    target = new URL(url);
    base = new URL(prefix);
  } catch {
    return false;
  }
  if (target.origin !== base.origin || target.username || target.password) return false;
  if (/%2e|%2f|%5c/i.test(target.pathname)) return false;
  if (target.pathname === base.pathname) return true;
  const dir = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  return target.pathname.startsWith(dir);
}

/**
 * Why the policy refuses `source` on its face, or undefined. A file's path is judged as written
 * (absolute, normalised); `checkBatchSource` also follows symlinks.
 */
export function batchSourceProblem(source: BatchSource, policy: BatchSourcePolicy): string | undefined {
  switch (source.kind) {
    case 'query':
      return undefined;
    case 'file': {
      if (!path.isAbsolute(source.path)) return `the batch file "${source.path}" is not an absolute path`;
      const file = path.resolve(source.path);
      return policy.directories.some((dir) => isPathUnder(file, dir))
        ? undefined
        : `the batch file ${file} is outside the directories batches may read (${policy.directories.join(', ')}); ${BATCH_DIRS_ENV} on the worker sets them`;
    }
    case 'url':
      if (policy.urlPrefixes.length === 0)
        return `batch sources from URLs are not allowed: ${BATCH_URL_PREFIXES_ENV} on the worker lists the URL prefixes that are`;
      return policy.urlPrefixes.some((prefix) => isUrlUnder(source.url, prefix))
        ? undefined
        : `the batch URL is outside the URL prefixes batches may read (${policy.urlPrefixes.join(', ')}); ${BATCH_URL_PREFIXES_ENV} on the worker sets them`;
  }
}

async function realOrSelf(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return file;
  }
}

/**
 * Refuses, with a `BatchSourceError` (not retried), a source the policy does not allow: as written,
 * and for a file also once symlinks are followed (a link under an allowed directory to /etc/passwd
 * is refused). A file that does not exist passes here and fails where it is opened.
 */
export async function checkBatchSource(source: BatchSource, policy: BatchSourcePolicy): Promise<void> {
  const problem = batchSourceProblem(source, policy);
  if (problem) throw new BatchSourceError(`refused: ${problem}`);
  if (source.kind !== 'file') return;
  const [file, directories] = await Promise.all([
    realOrSelf(path.resolve(source.path)),
    Promise.all(policy.directories.map(realOrSelf)),
  ]);
  const real = batchSourceProblem({ kind: 'file', path: file }, { ...policy, directories });
  if (real) throw new BatchSourceError(`refused: ${real} (after following symlinks)`);
}
