/**
 * The workflows' `core/` modules are preloaded into the sandbox once per worker, where the SDK
 * deep-freezes them (workflows/shared-modules.ts). A zod schema that installs an internal on first
 * use fails on a frozen object; these tests freeze schemas as the SDK does and parse with them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { BatchOptions } from '../../core/batch';
import { CascadeConfig } from '../../core/config';
import { CascadeRequest } from '../../core/request';
import { settleLazySchemaState } from '../../workflows/shared-modules';

const ROOT = path.join(__dirname, '..', '..');

/** The project files `file` imports for their values (not `import type`, not all-`type` lists), as paths from the root. */
function valueImports(file: string): string[] {
  const source = readFileSync(path.join(ROOT, file), 'utf8');
  const found: string[] = [];
  for (const match of source.matchAll(/^(?:import|export)\s+(type\s+)?([\s\S]*?)\s+from\s+'(\.{1,2}\/[^']+)';/gm)) {
    const [, typeOnly, names = '', target = ''] = match;
    if (typeOnly) continue;
    const list = /^\{([\s\S]*)\}$/.exec(names.trim());
    if (list && list[1]!.split(',').every((name) => name.trim() === '' || name.trim().startsWith('type '))) continue;
    found.push(path.join(path.dirname(file), `${target}.ts`));
  }
  return found;
}

/** Every project module reachable from `entry` through value imports. */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    pending.push(...valueImports(file));
  }
  return seen;
}

/** The SDK's `deepFreeze` (worker/lib/workflow/reusable-vm.js): own properties, then the object. */
function deepFreeze<T>(object: T, visited = new WeakSet<object>()): T {
  if (object === null || (typeof object !== 'object' && typeof object !== 'function')) return object;
  if (visited.has(object) || Object.isFrozen(object)) return object;
  visited.add(object);
  if (typeof object === 'object') {
    for (const name of Reflect.ownKeys(object)) {
      const value = (object as Record<PropertyKey, unknown>)[name];
      try {
        deepFreeze(value, visited);
      } catch {
        // As the SDK: some objects cannot be frozen.
      }
    }
  }
  return Object.freeze(object);
}

/** A schema shaped like the config's: objects, unions, defaults and optionals, for a fresh one per test. */
const makeSchema = () =>
  z.object({
    name: z.string(),
    kind: z.union([z.literal('a'), z.literal('b')]).default('a'),
    options: z.object({ size: z.number().int().optional() }).default({}),
    tags: z.array(z.enum(['x', 'y'])).optional(),
  });

describe('workflows/shared-modules', () => {
  it('a frozen zod schema fails to parse unless its lazy state was settled first', () => {
    const unsettled = deepFreeze(makeSchema());
    assert.throws(() => unsettled.parse({ name: 'n' }), TypeError, 'zod writes lazily to a frozen schema');

    const settled = makeSchema();
    assert.ok(settleLazySchemaState(settled) > 1);
    deepFreeze(settled);
    assert.deepEqual(settled.parse({ name: 'n', tags: ['x'] }), {
      name: 'n',
      kind: 'a',
      options: {},
      tags: ['x'],
    });
    assert.equal(settled.safeParse({ name: 1 }).success, false);
  });

  it("settles the preloaded modules' schemas: frozen as in the sandbox, they still parse", () => {
    // Settled when shared-modules.ts loaded; freezing them is what the SDK does next. Only schemas
    // that parse afterwards are frozen, so the tests that run after this one are unaffected.
    for (const schema of [BatchOptions, CascadeConfig, CascadeRequest]) deepFreeze(schema);
    assert.deepEqual(BatchOptions.parse({}), BatchOptions.parse({}));
    assert.throws(() => BatchOptions.parse({ concurrency: -1 }));
    assert.equal(CascadeRequest.safeParse({ prompt: 'hi' }).success, true);
    assert.equal(CascadeRequest.safeParse({ prompt: 3 }).success, false);
    assert.equal(CascadeConfig.safeParse({}).success, false);
  });

  it('lists every core/ module the workflows import, so each one is settled before the freeze', () => {
    const workflowCore = [...reachable('workflows/index.ts')].filter((file) => file.startsWith('core/'));
    const shared = valueImports('workflows/shared-modules.ts');
    const missing = workflowCore.filter((file) => !reachable('workflows/shared-modules.ts').has(file));
    assert.deepEqual(missing, [], 'preloaded (imported by shared-modules.ts, directly or not)');
    const zodModules = workflowCore.filter((file) => /from 'zod'/.test(readFileSync(path.join(ROOT, file), 'utf8')));
    assert.ok(zodModules.length > 0);
    assert.deepEqual(
      zodModules.filter((file) => !shared.includes(file)),
      [],
      'every module that defines zod schemas is imported, and so settled, by shared-modules.ts itself',
    );
  });
});
