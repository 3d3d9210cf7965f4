/**
 * How many cases a property test runs: `planned`, or fewer when `PROPERTY_RUNS` caps it (a mutation
 * run sets it, so that the property suites do not dominate the time per mutant; `npm test` never does).
 */
export function propertyRuns(planned: number): number {
  const cap = Number(process.env.PROPERTY_RUNS);
  return Number.isInteger(cap) && cap > 0 ? Math.min(planned, cap) : planned;
}
