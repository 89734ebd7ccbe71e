import Table from 'cli-table3';

const BORDERLESS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

export interface TextTableOptions {
  /** Column widths; a column with a width wraps its text at word boundaries. */
  colWidths?: (number | null)[];
  /** The columns aligned right (numbers). */
  rightAligned?: number[];
}

/** A table without borders or colours, so it reads the same in a terminal, a log file and a pipe. */
export function textTable(head: string[], rows: (string | number)[][], options: TextTableOptions = {}): string {
  const rightAligned = options.rightAligned ?? [];
  const t = new Table({
    head,
    chars: BORDERLESS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    ...(options.colWidths ? { colWidths: options.colWidths, wordWrap: true, wrapOnWordBoundary: true } : {}),
    ...(rightAligned.length > 0
      ? { colAligns: head.map((_, i) => (rightAligned.includes(i) ? ('right' as const) : ('left' as const))) }
      : {}),
  });
  t.push(...rows);
  return t
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}
