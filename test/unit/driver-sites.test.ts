// A device counter's sites ordered for one driver (engine/drops/driver-sites.ts): the files Kbuild
// links into the driver's module (parsed by the real kbuild parser from makefile text of the
// kernel's shape), then the core, then other drivers.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseKbuild } from '../../server/src/engine/kbuild';
import { driverFiles, groupSites, validDriverName } from '../../server/src/engine/drops/driver-sites';

const kbuild = {
  ...parseKbuild('obj-$(CONFIG_VETH) += veth.o\nobj-$(CONFIG_VIRTIO_NET) += virtio_net.o\nobj-y += loopback.o\n', 'drivers/net/Makefile', 'drivers/net'),
  ...parseKbuild('obj-$(CONFIG_IXGBE) += ixgbe.o\nixgbe-y := ixgbe_main.o ixgbe_common.o\n', 'drivers/net/ethernet/intel/ixgbe/Makefile', 'drivers/net/ethernet/intel/ixgbe'),
};

test('a driver name is its module: every file Kbuild links into it, - and _ alike', () => {
  assert.deepEqual(driverFiles(kbuild, 'ixgbe'), ['drivers/net/ethernet/intel/ixgbe/ixgbe_common.c', 'drivers/net/ethernet/intel/ixgbe/ixgbe_main.c']);
  assert.deepEqual(driverFiles(kbuild, 'virtio-net'), ['drivers/net/virtio_net.c']);
  assert.deepEqual(driverFiles(kbuild, 'loopback'), ['drivers/net/loopback.c']);
  assert.deepEqual(driverFiles(kbuild, 'nosuchdriver'), []);
  assert.deepEqual(driverFiles(kbuild, '../x'), [], 'not a driver name');
  assert.equal(validDriverName('x;rm -rf /'), false);
});

test('sites: the driver\'s first, then the core\'s, then every other driver\'s', () => {
  const s = (file: string, line: number) => ({ file, line });
  const got = groupSites([s('drivers/net/tun.c', 9), s('net/core/dev.c', 5081), s('drivers/net/veth.c', 477), s('include/linux/netdevice.h', 4109)], new Set(driverFiles(kbuild, 'veth')));
  assert.deepEqual(got.map((x) => [x.file, x.group]), [
    ['drivers/net/veth.c', 'driver'], ['include/linux/netdevice.h', 'core'], ['net/core/dev.c', 'core'], ['drivers/net/tun.c', 'other'],
  ]);
});
