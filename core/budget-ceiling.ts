/**
 * The effective budget of a cascade: the smallest of the budgets that apply (the request's
 * `maxCostUsd`, the route's `budgetUsd`, the tenant's `budgetUsd`), each a ceiling the others
 * cannot raise; `undefined` when none applies.
 */
export function budgetCeiling(...budgets: (number | undefined)[]): number | undefined {
  const given = budgets.filter((budget): budget is number => budget !== undefined);
  return given.length === 0 ? undefined : Math.min(...given);
}
