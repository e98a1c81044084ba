// The VM stand-ins' pure parts: the cloud-init drive as qemu-server builds it, the QEMU command line as
// Proxmox places devices, the image's package list from our rendered user-data.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { vmNics } from '../../lab/vm-network.ts';
import { imageKey, imagePackages, userDataPackages } from './vms/image.ts';
import { describeVmLab } from './vms/lab.ts';
import { qemuArgs } from './vms/qemu.ts';
import { metaData, networkConfig, seedFiles } from './vms/seed.ts';
import { routerUserData } from '../../templates/cloud-init.ts';
import { labPlan } from '../helpers/labs.ts';
import { UNREAD_IMAGE } from '../helpers/pve.ts';

const plan = labPlan({ name: 'vmseed' });
const image = UNREAD_IMAGE;

describe('the NoCloud drive', () => {
  it('should write network-config v1 as qemu-server Cloudinit.pm nocloud_network does', () => {
    // The text nocloud_network (qemu-server master e6352be, src/PVE/QemuServer/Cloudinit.pm) prints for
    // net0 virtio=BC:24:11:AA:BB:CC, ipconfig0 ip=192.168.1.10/24,gw=192.168.1.1, net1 with ip=dhcp,
    // nameserver 1.1.1.1, searchdomain example.com: MAC lowercased, netmask dotted, one nameserver entry.
    expect(
      networkConfig({
        nics: [
          { mac: 'BC:24:11:AA:BB:CC', ip: '192.168.1.10/24', gw: '192.168.1.1' },
          { mac: 'BC:24:11:00:00:01', ip: 'dhcp' },
        ],
        nameservers: ['1.1.1.1'],
        searchdomains: ['example.com'],
      }),
    ).toBe(
      [
        'version: 1',
        'config:',
        '    - type: physical',
        '      name: eth0',
        "      mac_address: 'bc:24:11:aa:bb:cc'",
        '      subnets:',
        '      - type: static',
        "        address: '192.168.1.10'",
        "        netmask: '255.255.255.0'",
        "        gateway: '192.168.1.1'",
        '    - type: physical',
        '      name: eth1',
        "      mac_address: 'bc:24:11:00:00:01'",
        '      subnets:',
        '      - type: dhcp4',
        '    - type: nameserver',
        '      address:',
        "      - '1.1.1.1'",
        '      search:',
        "      - 'example.com'",
        '',
      ].join('\n'),
    );
  });

  it('should carry our rendered user-data byte for byte, and an instance-id hashing it with the network config', () => {
    const lab = describeVmLab(plan, image);
    const router = lab.vms[0]!;
    const files = seedFiles({
      userData: router.userData,
      nics: [{ mac: router.macs[0]!, ip: 'dhcp' }],
      nameservers: ['1.1.1.1'],
      searchdomains: ['vmseed.lab'],
    });
    expect(files['user-data']).toBe(routerUserData(plan));
    expect(files['meta-data']).toBe(
      `instance-id: ${createHash('sha1')
        .update(files['user-data'] + files['network-config'])
        .digest('hex')}\n`,
    );
    expect(files['vendor-data']).toBe('');
    expect(metaData('a', 'b')).not.toBe(metaData('a', 'c'));
  });
});

describe('the QEMU command line', () => {
  const lab = describeVmLab(plan, image);
  const router = lab.vms[0]!;
  const args = qemuArgs(router.spec).join(' ');

  it('should place net0 at slot 0x12 and net1 at 0x13, the agent channel at 0x8 and the disk at 0xa, as qemu-server PCI.pm does', () => {
    expect(args).toContain(`virtio-net-pci,mac=${router.macs[0]},netdev=net0,bus=pci.0,addr=0x12,id=net0`);
    expect(args).toContain(`virtio-net-pci,mac=${router.macs[1]},netdev=net1,bus=pci.0,addr=0x13,id=net1`);
    expect(args).toContain('virtio-serial,id=qga0,bus=pci.0,addr=0x8');
    expect(args).toContain('virtserialport,chardev=qga0,name=org.qemu.guest_agent.0');
    expect(args).toContain(
      'virtio-blk-pci,drive=drive-virtio0,id=virtio0,bus=pci.0,addr=0xa,iothread=iothread-virtio0',
    );
    expect(args).toContain('ide-cd,bus=ide.1,unit=0,drive=drive-ide2,id=ide2');
    expect(args).toContain(`ifname=tap${router.spec.vmid}i0`);
  });

  it('should give each NIC the MAC the plan gives it, as the stack does', () => {
    expect(router.macs).toEqual([plan.router.wanMac, plan.router.lanMac]);
    expect(lab.vms.slice(1).map((v) => v.macs)).toEqual(plan.nodes.map((n) => [n.lanMac]));
    expect(args).toContain(`mac=${plan.router.wanMac},netdev=net0`);
    expect(router.macs).toHaveLength(vmNics(plan, plan.router).length);
  });
});

describe('the VM image', () => {
  it('should preinstall every package our rendered user-data installs', () => {
    const fromUserData = userDataPackages(plan);
    expect(fromUserData).toEqual(
      expect.arrayContaining(['qemu-guest-agent', 'frr', 'nftables', 'curl', 'ca-certificates']),
    );
    expect(imagePackages(plan)).toEqual(expect.arrayContaining(fromUserData));
  });

  it('should be rebuilt when its package list changes', () => {
    expect(imageKey(['a', 'b'])).toBe(imageKey(['a', 'b']));
    expect(imageKey(['a', 'b'])).not.toBe(imageKey(['a', 'b', 'c']));
  });
});
