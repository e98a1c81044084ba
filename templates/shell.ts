// The one way a value enters a shell command line. Local programs get argument arrays (zx's `$`,
// execFile); where a shell is unavoidable (a command over SSH, `sh -c` in a namespace, a step the dry
// run prints), every value goes through `quote`, so whatever it holds it stays one word and never code.

/** Text that is already a command line (a prefix such as `sudo vtysh`): `sh` puts it in as written. */
export class Raw {
  constructor(readonly text: string) {}
}
export const raw = (text: string) => new Raw(text);

/** One shell word for any POSIX shell: plain words stay readable, anything else in single quotes. */
export function quote(value: string | number): string {
  const s = String(value);
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

type Value = string | number | Raw | readonly (string | number)[];

/** A command line whose interpolated values are each quoted (arrays: one word per element). */
export function sh(strings: TemplateStringsArray, ...values: Value[]): string {
  return strings.reduce((out, s, i) => {
    if (i === 0) return s;
    const v = values[i - 1]!;
    const text = v instanceof Raw ? v.text : Array.isArray(v) ? v.map(quote).join(' ') : quote(v as string | number);
    return out + text + s;
  }, '');
}
