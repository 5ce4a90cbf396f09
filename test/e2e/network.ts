// A private network for container hosts: a Linux bridge on this machine with an address of its
// own (so the test process and the browser reach every host), and one veth per host that
// systemd-nspawn --network-bridge plugs into it. Each test file gets its own bridge and /24, so
// files never see each other's hosts.
import { execa } from 'execa';

export class Bridge {
  /** e.g. mesos-e2e3 */
  readonly name: string;
  /** The first three octets, e.g. 10.213.3 */
  private readonly prefix: string;

  constructor(index: number) {
    if (!Number.isInteger(index) || index < 1 || index > 250) throw new Error(`bridge index ${index} is not in 1-250`);
    this.name = `mesos-e2e${index}`;
    this.prefix = `10.213.${index}`;
  }

  /** This machine's address on the bridge. */
  get hostAddress(): string {
    return `${this.prefix}.1`;
  }

  /** The address of host number n (2 and up) on this network. */
  address(n: number): string {
    if (n < 2 || n > 254) throw new Error(`host number ${n} is not in 2-254`);
    return `${this.prefix}.${n}`;
  }

  /** Creates the bridge, replacing one a killed earlier run left behind. */
  async create(): Promise<void> {
    await this.destroy();
    await execa('ip', ['link', 'add', this.name, 'type', 'bridge']);
    await execa('ip', ['addr', 'add', `${this.hostAddress}/24`, 'dev', this.name]);
    await execa('ip', ['link', 'set', this.name, 'up']);
  }

  async destroy(): Promise<void> {
    await execa('ip', ['link', 'del', this.name], { reject: false });
  }
}
