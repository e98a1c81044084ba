import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quote, raw, sh } from '../../templates/shell.ts';
import { ipLine } from '../../scripts/targets/netns/network.ts';
import { PAYLOAD } from '../helpers/hostile.ts';

// What a real /bin/sh makes of a command line: the words printf receives, each ended by a NUL.
const words = (line: string) =>
  execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' })
    .split('\0')
    .slice(0, -1);

describe('quote', () => {
  it.each(['eth0', '', 'a b', "it's", '$(id)', '`id`', 'a;b', '~root', '-n', 'x\ny', PAYLOAD, "'''", '\\'])(
    'should make %j one word that sh reads back unchanged',
    (v) => {
      expect(words(quote(v))).toEqual([v]);
    },
  );

  it('should leave plain words readable', () => {
    expect(quote('10.42.0.0/24')).toBe('10.42.0.0/24');
    expect(quote('--node-label=bgp=65001')).toBe('--node-label=bgp=65001');
  });
});

describe('sh', () => {
  it('should quote every value, arrays word by word, and take raw command text as written', () => {
    const line = sh`${raw('printf %s\\\\n')} ${'a b'} ${['$(x)', 'c']} ${3}`;
    expect(execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' }).split('\n').slice(0, -1)).toEqual([
      'a b',
      '$(x)',
      'c',
      '3',
    ]);
  });
});

describe('ipLine', () => {
  it('should refuse a word that ip -batch would split or read as a comment', () => {
    expect(ipLine`link set ${'eth0'} up`).toBe('link set eth0 up');
    for (const bad of ['eth0 netns x', "e'0", 'e"0', 'e#0', 'e\\0', ''])
      expect(() => ipLine`link set ${bad} up`).toThrow(/cannot be one word of an ip command/);
  });
});
