const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const usd = new Intl.NumberFormat(undefined, { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 4 });

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : integer.format(value);
}

export function formatUsd(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : usd.format(value);
}

/** "engine:sim" stays as is; stage names read as words. */
export function stageLabel(stage: string): string {
  return stage.replace(/_/g, " ");
}
