import { readFileSync } from 'node:fs';
import { writeReport } from './scripts/report/write.ts';
const dir = process.argv[2]!;
writeReport(dir, JSON.parse(readFileSync(`${dir}/report.json`, 'utf8')));
