import { type z } from 'zod';
import { CliError, EXIT_CODES } from './exit-codes';

/**
 * Validates a command's options before anything starts: each problem is named by the flag it came
 * from (`flags`, keyed by option name; else the name itself), and together they make one usage error.
 */
export function parseOptions<T extends z.ZodType>(
  schema: T,
  options: unknown,
  flags: Record<string, string>,
): z.infer<T> {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    throw new CliError(
      parsed.error.issues
        .map((issue) => `${flags[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`)
        .join('; '),
      EXIT_CODES.usage,
    );
  }
  return parsed.data;
}
