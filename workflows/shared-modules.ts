/**
 * The cascade's decision code, loaded once per worker into the workflow sandbox instead of once per
 * workflow (it is in `PRELOADED_WORKFLOW_MODULES`). With the SDK's reused V8 context every module a
 * workflow imports that is not preloaded is evaluated again for each new workflow: for the cascade
 * that was all of `core/` (the config, request and batch zod schemas, the classifier, the checks),
 * most of the CPU a one-step cascade cost the worker beyond a bare workflow (bench/: `--cpu-prof`).
 *
 * Preloaded modules are shared by every workflow of the worker, so they must hold no per-workflow
 * state: `core/` is pure, and its module-level caches (compiled classifiers, schemas, patterns) are
 * memos of pure functions, the same for every workflow. The SDK deep-freezes them after loading.
 * zod (4) installs some of a schema's internals lazily, on the schema object, the first time a
 * parse needs them (derived internals, methods bound on first read, and on the first parse the
 * choice of its parse function); on a frozen schema that write throws, and the workflow task fails.
 * So every schema these modules export is settled here, before the freeze (`settleLazySchemaState`),
 * and the unit test `workflows-shared-modules` parses with frozen schemas as the SDK freezes them.
 */
import * as batch from '../core/batch';
import * as cascadePlan from '../core/cascade-plan';
import * as cascadeRun from '../core/cascade-run';
import * as cascadeTelemetry from '../core/cascade-telemetry';
import * as checks from '../core/checks';
import * as classifier from '../core/classifier';
import * as config from '../core/config';
import * as configHash from '../core/config-hash';
import * as formatIssues from '../core/format-issues';
import * as prompt from '../core/prompt';
import * as providerErrors from '../core/provider-errors';
import * as request from '../core/request';
import * as searchAttributes from '../core/search-attributes';
import * as taskTypeModel from '../core/task-type-model';

/** Every module the workflows import from `core/`, directly or not (a unit test checks the list). */
export const SHARED_MODULES: Readonly<Record<string, unknown>> = {
  batch,
  cascadePlan,
  cascadeRun,
  cascadeTelemetry,
  checks,
  classifier,
  config,
  configHash,
  formatIssues,
  prompt,
  providerErrors,
  request,
  searchAttributes,
  taskTypeModel,
};

/**
 * Computes, on every zod schema reachable from `root` through own properties (as the SDK's freeze
 * walks them), the internals zod would otherwise install on first use: the accessors on the
 * prototypes of its `_zod` object. Reading one stores its value on the schema, so a later parse
 * finds it and writes nothing. Returns how many schemas it settled.
 */
export function settleLazySchemaState(root: unknown): number {
  const visited = new WeakSet<object>();
  const pending: unknown[] = [root];
  let schemas = 0;
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) continue;
    if (visited.has(value)) continue;
    visited.add(value);
    const own = Object.getOwnPropertyDescriptors(value) as Record<PropertyKey, PropertyDescriptor>;
    const internals: unknown = own._zod && 'value' in own._zod ? own._zod.value : undefined;
    if (internals !== null && typeof internals === 'object') {
      schemas += 1;
      // Derived internals (`propValues`, `optin`, ...) on the `_zod` object's prototypes, and the
      // schema's methods (`parse`, `safeParse`, ...), which zod binds to the schema on first read.
      readInheritedAccessors(internals);
      readInheritedAccessors(value);
      // The first parse settles the rest: zod then decides whether the schema can recurse and, when
      // it cannot, puts its plain parse back on the schema. Any input does; the answer is unused.
      const safeParse = (value as { safeParse?: unknown }).safeParse;
      if (typeof safeParse === 'function') {
        try {
          (safeParse as (input: unknown) => unknown).call(value, undefined);
        } catch {
          // A refinement that throws on this input: the settling above has run all the same.
        }
      }
    }
    for (const key of Reflect.ownKeys(own)) {
      // Never into a prototype: its accessors read with the prototype as `this` would store their
      // value there, for every schema of the kind.
      if (key === 'prototype' && typeof value === 'function') continue;
      const descriptor = own[key]!;
      if ('value' in descriptor) {
        pending.push(descriptor.value);
      } else if (descriptor.get) {
        // Module namespaces export through getters, as the SDK's freeze reads them.
        try {
          pending.push(descriptor.get.call(value));
        } catch {
          // Nothing the freeze could reach either.
        }
      }
    }
  }
  return schemas;
}

/** Reads every accessor `target` inherits, with `target` as `this`, so lazily installed values land on it. */
function readInheritedAccessors(target: object): void {
  for (let proto = Object.getPrototypeOf(target) as object | null; proto && proto !== Object.prototype;) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (!descriptor.get || Object.prototype.hasOwnProperty.call(target, name)) continue;
      try {
        void (target as Record<string, unknown>)[name];
      } catch {
        // A derived value that cannot be computed for this schema is not used by its parse either.
      }
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
}

settleLazySchemaState(SHARED_MODULES);
