import { describe, expect, it } from 'vitest';
import { cidrHost, formatIp, isUsableHost, netmask, overlaps, parseCidr, parseIp } from '../../lab/ipv4.ts';

describe('ipv4', () => {
  it('should round-trip addresses', () => {
    for (const ip of ['0.0.0.0', '10.42.0.1', '255.255.255.255']) expect(formatIp(parseIp(ip))).toBe(ip);
  });
  it('should refuse malformed addresses and host bits in a strict CIDR', () => {
    expect(() => parseIp('10.42.0.256')).toThrow(/not an IPv4/);
    expect(() => parseIp('010.1.1.1')).toThrow(/not an IPv4/);
    expect(() => parseCidr('10.42.0.1/24')).toThrow(/network is 10.42.0.0\/24/);
    expect(parseCidr('10.42.0.1/24', false)).toEqual({ network: parseIp('10.42.0.0'), prefix: 24 });
  });
  it('should compute hosts, overlaps and masks like Terraform', () => {
    const lan = parseCidr('10.42.0.0/24');
    expect(formatIp(cidrHost(lan, 11))).toBe('10.42.0.11');
    expect(() => cidrHost(lan, 256)).toThrow(/outside/);
    expect(isUsableHost(lan, parseIp('10.42.0.255'))).toBe(false);
    expect(overlaps(lan, parseCidr('10.42.0.192/28'))).toBe(true);
    expect(overlaps(lan, parseCidr('10.43.0.0/16'))).toBe(false);
    expect(netmask(24)).toBe('255.255.255.0');
  });
});
