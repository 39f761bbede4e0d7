// The two emulated ApsaraMQ for Kafka instances: the two local Kafka clusters, in two regions.
export interface EmulatedInstance {
  instanceId: string;
  name: string;
  regionId: string;
  zoneId: string;
  standardZoneId: string;
  /** Where the emulator itself (and MirrorMaker 2) reach the cluster. */
  bootstrap: string;
  /** The "DR" listener every client uses through the custom domain: a distinct loopback IP, port 39092. */
  drIp: string;
  drPort: number;
  vpcId: string;
  vSwitchId: string;
}

export function defaultInstances(primaryBootstrap: string, secondaryBootstrap: string): EmulatedInstance[] {
  return [
    {
      instanceId: 'alikafka_pre-cn-kdrprimary01',
      name: 'kdr-primary',
      regionId: 'cn-hangzhou',
      zoneId: 'zonek',
      standardZoneId: 'cn-hangzhou-k',
      bootstrap: primaryBootstrap,
      drIp: '127.0.0.2',
      drPort: 39092,
      vpcId: 'vpc-kdrhz0000000000000001',
      vSwitchId: 'vsw-kdrhz0000000000000001',
    },
    {
      instanceId: 'alikafka_pre-cn-kdrsecond001',
      name: 'kdr-secondary',
      regionId: 'cn-shanghai',
      zoneId: 'zonel',
      standardZoneId: 'cn-shanghai-l',
      bootstrap: secondaryBootstrap,
      drIp: '127.0.0.3',
      drPort: 39092,
      vpcId: 'vpc-kdrsh0000000000000001',
      vSwitchId: 'vsw-kdrsh0000000000000001',
    },
  ];
}

/** Broker host names as alikafka prints them (`_` becomes `-`, one name per broker; the local clusters have one). */
export function brokerHost(instanceId: string, broker: number, suffix: '-vpc' | '' = '-vpc'): string {
  return `${instanceId.replace(/_/g, '-')}-${broker}${suffix}.alikafka.aliyuncs.com`;
}
