/**
 * Import rules checked by `npm run lint` (dependency-cruiser): no cycle between modules, and none
 * between folders, type-only imports included (a type cycle still ties the folders together).
 * `npx depcruise --config .dependency-cruiser.cjs --output-type archi <folders>` draws the folder graph.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-module-cycle',
      severity: 'error',
      comment: 'A module may not import itself through other modules.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      severity: 'error',
      scope: 'folder',
      comment: 'A folder may not depend on itself through other folders: the README draws the folders as layers.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|test/histories|\\.data|\\.scratch|reports|bench/results)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
  },
};
