import { BUILT_IN_TASK_TYPES, DEFAULT_ROUTE } from '../core/task-types';
import { type EvaluationReport } from '../core/task-type-training';

const pct = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;

/** Task types in the built-in order, then the others alphabetically, `default` last. */
export function orderedTypes(types: Iterable<string>): string[] {
  const builtIn: readonly string[] = BUILT_IN_TASK_TYPES;
  const all = [...new Set(types)];
  const rank = (t: string) => (t === DEFAULT_ROUTE ? 1e6 : builtIn.includes(t) ? builtIn.indexOf(t) : 1000);
  return all.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Accuracy, precision and recall per task type, and the confusion matrix (rows expected, columns predicted), as text. */
export function renderEvaluation(report: EvaluationReport, title: string): string {
  const types = orderedTypes(Object.keys(report.perType));
  const expectedTypes = types.filter((t) => report.perType[t]!.support > 0);
  const lines = [`${title}: ${report.correct}/${report.examples} = ${pct(report.accuracy)}`, ''];
  const nameWidth = Math.max(...types.map((t) => t.length), 'task type'.length) + 2;
  lines.push(
    `${'task type'.padEnd(nameWidth)}${'support'.padStart(8)}${'precision'.padStart(11)}${'recall'.padStart(9)}`,
  );
  for (const type of types) {
    const row = report.perType[type]!;
    lines.push(
      `${type.padEnd(nameWidth)}${String(row.support).padStart(8)}${(row.predicted > 0 ? pct(row.precision) : '-').padStart(11)}${(row.support > 0 ? pct(row.recall) : '-').padStart(9)}`,
    );
  }
  lines.push('', 'confusion matrix (rows: expected, columns: predicted)');
  const short = (t: string) => abbreviation(t);
  lines.push(`${'expected'.padEnd(nameWidth)}${types.map((t) => short(t).padStart(7)).join('')}`);
  for (const expected of expectedTypes) {
    const row = report.confusion[expected] ?? {};
    lines.push(`${expected.padEnd(nameWidth)}${types.map((t) => String(row[t] ?? 0).padStart(7)).join('')}`);
  }
  lines.push(`(columns: ${types.map((t) => `${short(t)} ${t}`).join(', ')})`);
  return lines.join('\n');
}

const ABBREVIATIONS: Record<string, string> = {
  extraction: 'ext',
  classification: 'cls',
  summarization: 'sum',
  question_answering: 'qa',
  reasoning: 'rea',
  coding: 'code',
  creative_generation: 'cre',
  default: 'def',
};

function abbreviation(type: string): string {
  return ABBREVIATIONS[type] ?? type.slice(0, 6);
}
