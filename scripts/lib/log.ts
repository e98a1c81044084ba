// One logger for every command: people get progress on stderr, programs get nothing but the final
// JSON document on stdout (--json). Events are a union keyed by kind; steps are timed.
export type LogEvent =
  | { kind: 'step-start'; step: string; title: string }
  | { kind: 'step-done'; step: string; title: string; ms: number }
  | { kind: 'step-fail'; step: string; title: string; ms: number; error: string }
  | { kind: 'note'; message: string };

export interface Logger {
  emit(event: LogEvent): void;
  /** Runs a timed step; its duration lands in `timings`. */
  step<T>(step: string, title: string, fn: () => Promise<T>): Promise<T>;
  note(message: string): void;
  readonly timings: Record<string, number>;
}

function render(e: LogEvent, tty: boolean): string | undefined {
  switch (e.kind) {
    case 'step-start':
      return tty ? `… ${e.title}` : undefined;
    case 'step-done':
      return `✓ ${e.title} (${formatMs(e.ms)})`;
    case 'step-fail':
      return `✗ ${e.title} (${formatMs(e.ms)})`;
    case 'note':
      return `  ${e.message}`;
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function createLogger({
  json = false,
  stream = process.stderr,
}: { json?: boolean; stream?: NodeJS.WriteStream } = {}): Logger {
  const timings: Record<string, number> = {};
  const tty = Boolean(stream.isTTY);
  const emit = (event: LogEvent) => {
    if (json) return;
    const line = render(event, tty);
    if (line !== undefined) stream.write(`${line}\n`);
  };
  return {
    timings,
    emit,
    note: (message) => emit({ kind: 'note', message }),
    async step(step, title, fn) {
      const t0 = Date.now();
      emit({ kind: 'step-start', step, title });
      try {
        const result = await fn();
        timings[step] = Date.now() - t0;
        emit({ kind: 'step-done', step, title, ms: timings[step] });
        return result;
      } catch (err) {
        emit({ kind: 'step-fail', step, title, ms: Date.now() - t0, error: String(err) });
        throw err;
      }
    },
  };
}
