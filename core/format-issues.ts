import { type z } from 'zod';

/** Renders one dotted path the way a user would type it: `routes.extraction.checks[1].model`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/**
 * Turns zod issues into one line per problem, each naming the field and what is wrong with it,
 * e.g. `messages[0].role: expected one of "system" | "user" | "assistant"`.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.map((issue) => {
    const path = formatPath([...(prefix ? [prefix] : []), ...issue.path]);
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : issue.message;
    return path ? `${path}: ${message}` : message;
  });
}
