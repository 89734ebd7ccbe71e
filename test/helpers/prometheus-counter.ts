import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/**
 * A counter's total across its label sets in a Prometheus text exposition, as `sum(name)` would
 * give; 0 when the exposition has no such family (a server exports a counter only once it counts).
 */
export function counterTotal(exposition: string, name: string): number {
  return parsePrometheusTextFormat(exposition)
    .filter((family) => family.name === name)
    .flatMap((family) => family.metrics)
    .reduce((total, sample) => total + Number(sample.value ?? 0), 0);
}

/** `counterTotal` of a scrape of `url`, which must answer 200. */
export async function scrapeCounterTotal(url: string, name: string): Promise<number> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return counterTotal(await response.text(), name);
}
