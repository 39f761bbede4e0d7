// Whether an ApsaraMQ for Kafka instance is in service, as GetInstanceList reports it (response model
// GetInstanceListResponseBodyInstanceListInstanceVO of PyPI alibabacloud-alikafka20190916: ServiceStatus and
// ViewInstanceStatusCode, both integers). ServiceStatus 5 is "in service" (the running state the Alibaba Cloud
// Terraform provider waits for after creating an instance; 10 is released); ViewInstanceStatusCode 2 is the console's
// running state. Pure: the automatic failover's cloud probe and drSetup's cluster check read it the same way.
import type { KafkaInstance } from './alikafka-schemas';

export const SERVICE_STATUS_RUNNING = 5;
export const VIEW_STATUS_RUNNING = 2;

export interface InstanceService {
  serving: boolean;
  /** The fields read, for evidence: "ServiceStatus 5, ViewInstanceStatusCode 2". */
  status: string;
}

/** Serving only when every status field the answer carries says running; an answer with neither is not serving. */
export function instanceService(i: Pick<KafkaInstance, 'ServiceStatus' | 'ViewInstanceStatusCode'>): InstanceService {
  const fields: string[] = [];
  let serving = true;
  if (i.ServiceStatus !== undefined) {
    fields.push(`ServiceStatus ${i.ServiceStatus}`);
    serving &&= i.ServiceStatus === SERVICE_STATUS_RUNNING;
  }
  if (i.ViewInstanceStatusCode !== undefined) {
    fields.push(`ViewInstanceStatusCode ${i.ViewInstanceStatusCode}`);
    serving &&= i.ViewInstanceStatusCode === VIEW_STATUS_RUNNING;
  }
  if (fields.length === 0) return { serving: false, status: 'no ServiceStatus nor ViewInstanceStatusCode' };
  return { serving, status: fields.join(', ') };
}
