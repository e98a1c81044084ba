// A run as a list of steps, as every target's dry run prints it and its run log shows it: where each
// step runs, the exact commands, and what a step waits for. Each kind adds how its steps execute.

/** Secrets a command reads on its standard input: named, never shown. */
export type SecretName = 'k3s-token' | 'bgp-password';
const SECRET_TEXT: Readonly<Record<SecretName, string>> = {
  'k3s-token': 'the k3s token',
  'bgp-password': 'the BGP password',
};

/** Local files a command reads from its standard input; secrets are named, never shown. */
export type Input = { readonly file: string } | { readonly secret: SecretName };

export interface PrintedCommand {
  /** Exactly what runs (shell, local), or an API call as METHOD /path. */
  readonly run: string;
  /** Where it runs, printed before it, in a step whose commands run in several places. */
  readonly host?: string;
  readonly input?: Input;
}

export interface PrintedStep {
  readonly id: string;
  readonly title: string;
  /** `local`, `proxmox-api`, or lab hosts' names. */
  readonly where: string;
  readonly commands: readonly PrintedCommand[];
  /** A wait: what it waits for, and how long at most. */
  readonly until?: string;
}

function describeInput(input: Input): string {
  return 'file' in input ? ` < ${input.file}` : ` < (${SECRET_TEXT[input.secret]}, not shown)`;
}

/** One command as the dry run and the step log show it: a multi-line script keeps its lines, indented. */
export function formatCommand(c: PrintedCommand): string {
  return `${c.host ? `${c.host} ` : ''}$ ${c.run.replaceAll('\n', '\n      ')}${c.input ? describeInput(c.input) : ''}`;
}

export function formatSteps(steps: readonly PrintedStep[]): string {
  return steps
    .map((s, i) =>
      [
        `${String(i + 1).padStart(2)}. ${s.title}`,
        `    on ${s.where}`,
        ...s.commands.map((c) => `    ${formatCommand(c)}`),
        ...(s.until ? [`    until ${s.until}`] : []),
      ].join('\n'),
    )
    .join('\n\n');
}
