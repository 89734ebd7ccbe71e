/** Number formats the reports share. */

/** USD with as many decimals as small amounts need: $1,234.50, $0.0123, $0.000045. */
export function money(usd: number): string {
  const abs = Math.abs(usd);
  const sign = usd < 0 ? '-' : '';
  if (abs >= 100)
    return `${sign}$${abs.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  if (abs >= 1) return `${sign}$${abs.toFixed(2)}`;
  if (abs === 0) return '$0';
  if (abs < 0.0001) return `${sign}$${abs.toFixed(7).replace(/0+$/, '')}`;
  return `${sign}$${Number(abs.toPrecision(3))}`;
}

/** A share as a percentage with one decimal: 0.4567 -> 45.7%. */
export function pct(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
