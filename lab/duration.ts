// Go-style durations ("1m30s", "200ms"), as Cilium's flags take them.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

export function durationMs(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`not a duration: ${text}`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (UNIT_MS[unit!] ?? NaN), 0);
}
