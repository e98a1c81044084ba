// Writes the three report files; the only effect of the report step.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import type { CompareReport } from './model.ts';

export function writeReport(dir: string, r: CompareReport): { json: string; md: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const files = { json: join(dir, 'report.json'), md: join(dir, 'report.md'), html: join(dir, 'report.html') };
  writeFileSync(files.json, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(files.md, renderMarkdown(r));
  writeFileSync(files.html, renderHtml(r));
  return files;
}
