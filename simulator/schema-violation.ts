/**
 * Breaks a value that is valid for a JSON Schema while keeping it valid JSON, the way a weak model
 * does: a required field dropped, or a field of the wrong type.
 */
export function breakSchemaInstance(schema: unknown, instance: unknown): unknown {
  const root = typeof schema === 'object' && schema !== null ? (schema as Record<string, unknown>) : {};
  if (typeof instance === 'object' && instance !== null && !Array.isArray(instance)) {
    const broken: Record<string, unknown> = { ...(instance as Record<string, unknown>) };
    const required = Array.isArray(root.required)
      ? root.required.filter((name): name is string => typeof name === 'string')
      : [];
    const dropped = required.find((name) => name in broken);
    if (dropped !== undefined) {
      delete broken[dropped];
      return broken;
    }
    const first = Object.keys(broken)[0];
    if (first !== undefined) {
      broken[first] = wrongType(broken[first]);
      return broken;
    }
    return [];
  }
  return wrongType(instance);
}

/** A value of another JSON type than `value`'s. */
function wrongType(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return { items: value };
  if (value === null) return 'none';
  return [value];
}
