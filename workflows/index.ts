/** Every workflow the worker registers. Only deterministic code may be reached from here. */
export { cascade } from './cascade-workflow';
export { batch } from './batch-workflow';
