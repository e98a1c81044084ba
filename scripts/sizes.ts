// npm run sizes — how big the code is where it matters: the longest functions and files of production
// code (lab, templates, stacks, standins, scripts), and every comparison against a target kind's name
// outside scripts/targets/. The numbers an issue's "before and after" quote.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../lab/load.ts';
import { main } from './lib/cli.ts';

const PRODUCTION = ['lab', 'templates', 'stacks', 'standins', 'scripts'];

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

interface Fn {
  readonly file: string;
  readonly name: string;
  readonly lines: number;
}

function functionsOf(file: string, text: string): Fn[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const line = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const found: Fn[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const name =
        (node as ts.FunctionDeclaration).name?.getText(source) ??
        (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent)
          ? node.parent.name.getText(source)
          : '(anonymous)');
      found.push({ file, name, lines: line(node.getEnd()) - line(node.getStart(source)) + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A comparison with a kind's name (`=== 'netns'`, `!== 'proxmox'`) outside the target folders. */
const KIND_BRANCH = /[!=]==\s*'(netns|proxmox)'|'(netns|proxmox)'\s*[!=]==/g;

await main(
  {
    name: 'sizes',
    summary:
      'Prints the longest production functions and files, and every branch on a target kind outside scripts/targets/.',
    flags: { top: { type: 'count', min: 1, default: 10, help: 'how many of each (default 10)' } },
  },
  async (flags, json) => {
    const all = PRODUCTION.flatMap(files);
    const texts = new Map(all.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));
    const fns = all.flatMap((f) => functionsOf(f, texts.get(f)!)).sort((a, b) => b.lines - a.lines);
    const sizes = all
      .map((f) => ({ file: f, lines: texts.get(f)!.split('\n').length }))
      .sort((a, b) => b.lines - a.lines);
    const branches = all
      .filter((f) => !f.startsWith('scripts/targets/') && f !== 'scripts/sizes.ts')
      .flatMap((f) =>
        texts
          .get(f)!
          .split('\n')
          .flatMap((l, i) => (l.match(KIND_BRANCH) ? [`${f}:${i + 1}`] : [])),
      );
    const result = {
      functions: fns.slice(0, flags.top),
      over80: fns.filter((f) => f.lines > 80).length,
      files: sizes.slice(0, flags.top),
      kindBranches: branches,
    };
    if (json) return void console.log(JSON.stringify(result, null, 2));
    console.log(`longest functions (${result.over80} over 80 lines):`);
    for (const f of result.functions) console.log(`  ${String(f.lines).padStart(4)}  ${f.file} ${f.name}`);
    console.log('longest files:');
    for (const f of result.files) console.log(`  ${String(f.lines).padStart(4)}  ${f.file}`);
    console.log(`branches on a target kind outside scripts/targets/: ${branches.length}`);
    for (const b of branches) console.log(`  ${b}`);
  },
);
