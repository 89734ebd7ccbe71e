import { type TemplateVariable } from './simulator-script';

/** Fills `{{name}}` placeholders; the script schema has already rejected unknown names. */
export function renderTemplate(template: string, variables: Readonly<Record<TemplateVariable, string>>): string {
  return template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (placeholder, name: string) =>
    name in variables ? variables[name as TemplateVariable] : placeholder,
  );
}

/** The first line of `text`, cut to `maxChars` with an ellipsis: enough to recognise a prompt by. */
export function excerpt(text: string, maxChars = 80): string {
  const firstLine = text.trim().split('\n', 1)[0] ?? '';
  return firstLine.length <= maxChars ? firstLine : `${firstLine.slice(0, maxChars - 1).trimEnd()}\u2026`;
}
