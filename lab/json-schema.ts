// lab.yaml's JSON Schema for editors (yaml-language-server), derived from the zod schema.
import { z } from 'zod';
import { LabSchema } from './schema.ts';

export function labJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(LabSchema, { io: 'input' }), title: 'proxmox-cilium-lab lab definition' };
}
