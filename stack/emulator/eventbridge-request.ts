// CreateEventStreaming's request checks, one field at a time: the first wrong field is the answer, as a PopError.
import { PopError, need } from './pop';
import type { EmulatedInstance } from './instances';
import type { DataPlaneConfig } from './data-plane';
import { parseKafkaTopicArn } from '../../src/cloud/eventbridge';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{1,126}$/;
const FORMS = new Set(['ORIGINAL', 'JSONPATH', 'CONSTANT', 'TEMPLATE']);

function parseJsonParam(
  p: Record<string, string>,
  name: string,
  required: boolean,
): Record<string, unknown> | undefined {
  const raw = p[name];
  if (raw === undefined || raw === '') {
    if (required) throw new PopError('MissingParameter', `${name} is mandatory for this action (a JSON string).`);
    return undefined;
  }
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new PopError(
      'InvalidParameter',
      `${name} is not valid JSON (send it as a JSON string, not as "[object Object]").`,
    );
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new PopError('InvalidParameter', `${name} must be a JSON object.`);
  return v as Record<string, unknown>;
}

export interface CreateRequest {
  name: string;
  source: Record<string, unknown>;
  sink: Record<string, unknown>;
  runOptions: Record<string, unknown>;
  filterPattern: string;
  sk: Record<string, unknown>;
  srcInst: EmulatedInstance;
}

/**
 * Everything about a CreateEventStreaming request that can be checked without a cluster. `instance` finds an
 * emulated instance by id in a region (a PopError when there is none).
 */
export function checkCreateRequest(
  p: Record<string, string>,
  region: string,
  instance: (id: string, region: string, field: string) => EmulatedInstance,
  mode: DataPlaneConfig['mode'],
): CreateRequest {
  const name = need(p, 'EventStreamingName');
  if (!NAME.test(name))
    throw new PopError(
      'InvalidParameter',
      `EventStreamingName "${name}" must be 2-127 characters of letters, digits, - and _, starting with a letter or digit.`,
    );
  const source = parseJsonParam(p, 'Source', true)!;
  const sink = parseJsonParam(p, 'Sink', true)!;
  const runOptions = parseJsonParam(p, 'RunOptions', false) ?? {};
  const filterPattern = p.FilterPattern ?? '{}';
  try {
    JSON.parse(filterPattern);
  } catch {
    throw new PopError('InvalidParameter', 'FilterPattern must be a JSON string ("{}" matches every event).');
  }

  const sourceKeys = Object.keys(source).filter((k) => source[k] !== null && source[k] !== undefined);
  if (sourceKeys.length !== 1)
    throw new PopError(
      'InvalidParameter',
      `Source must have exactly one source type, got ${sourceKeys.join(', ') || 'none'}.`,
    );
  if (sourceKeys[0] !== 'SourceKafkaParameters')
    throw new PopError('InvalidParameter', `Source type ${sourceKeys[0]} is not emulated; use SourceKafkaParameters.`);
  const sk = source.SourceKafkaParameters as Record<string, unknown>;
  for (const f of ['RegionId', 'InstanceId', 'Topic', 'ConsumerGroup', 'OffsetReset']) {
    if (typeof sk?.[f] !== 'string' || sk[f] === '')
      throw new PopError('InvalidParameter', `Source.SourceKafkaParameters.${f} is required (a string).`);
  }
  if (!['latest', 'earliest'].includes(sk.OffsetReset as string))
    throw new PopError('InvalidParameter', 'Source.SourceKafkaParameters.OffsetReset must be latest or earliest.');
  if (sk.Network !== undefined && !['Default', 'PublicNetwork'].includes(sk.Network as string))
    throw new PopError('InvalidParameter', 'Source.SourceKafkaParameters.Network must be Default or PublicNetwork.');
  if (sk.ValueDataType !== undefined && !['JSON', 'Text', 'Binary'].includes(sk.ValueDataType as string))
    throw new PopError('InvalidParameter', 'Source.SourceKafkaParameters.ValueDataType must be JSON, Text or Binary.');
  const srcInst = instance(sk.InstanceId as string, sk.RegionId as string, 'Source.SourceKafkaParameters.InstanceId');

  const sinkKeys = Object.keys(sink).filter((k) => sink[k] !== null && sink[k] !== undefined);
  if (sinkKeys.length !== 1)
    throw new PopError(
      'InvalidParameter',
      `Sink must have exactly one sink type, got ${sinkKeys.join(', ') || 'none'}.`,
    );
  if (sinkKeys[0] !== 'SinkKafkaParameters')
    throw new PopError('InvalidParameter', `Sink type ${sinkKeys[0]} is not emulated; use SinkKafkaParameters.`);
  const kp = sink.SinkKafkaParameters as Record<string, unknown>;
  for (const [f, v] of Object.entries(kp ?? {})) {
    if (f === 'CompressionType') continue;
    const field = v as { Form?: unknown; Value?: unknown };
    if (!field || typeof field !== 'object' || !FORMS.has(field.Form as string)) {
      throw new PopError(
        'InvalidParameter',
        `Sink.SinkKafkaParameters.${f} must be {"Form": ORIGINAL|JSONPATH|CONSTANT|TEMPLATE, "Value": ...}.`,
      );
    }
  }
  const constant = (f: string): string => {
    const v = kp?.[f] as { Form?: string; Value?: unknown } | undefined;
    if (!v || v.Form !== 'CONSTANT' || typeof v.Value !== 'string' || v.Value === '') {
      throw new PopError(
        'InvalidParameter',
        `Sink.SinkKafkaParameters.${f} is required as {"Form":"CONSTANT","Value":"..."}.`,
      );
    }
    return v.Value;
  };
  // The event stream lives in the sink region: the sink instance must be there.
  instance(
    constant('InstanceId'),
    region,
    'Sink.SinkKafkaParameters.InstanceId (the event stream lives in the sink region)',
  );
  const sinkTopic = constant('Topic');
  if (kp.Acks !== undefined && !['0', '1', 'all'].includes(constant('Acks')))
    throw new PopError('InvalidParameter', 'Sink.SinkKafkaParameters.Acks must be 0, 1 or all.');
  if (mode === 'mirror' && sinkTopic !== sk.Topic) {
    throw new PopError(
      'InvalidParameter',
      `Emulator limitation: the sink topic (${sinkTopic}) must equal the source topic (${String(sk.Topic)}); replication uses MirrorMaker 2 with IdentityReplicationPolicy.`,
    );
  }
  checkRunOptions(runOptions, region, instance);
  return { name, source, sink, runOptions, filterPattern, sk, srcInst };
}

/**
 * RunOptions as the SDK 8.7.0 model CreateEventStreamingRequestRunOptions has them: ErrorsTolerance NONE|ALL,
 * RetryStrategy.PushRetryStrategy BACKOFF_RETRY|EXPONENTIAL_DECAY_RETRY, DeadLetterQueue.Arn. The emulator
 * delivers dead letters to ApsaraMQ for Kafka topics only (acs:alikafka:<region>:<account>:instance/<id>/topic/<t>).
 */
function checkRunOptions(
  r: Record<string, unknown>,
  region: string,
  instance: (id: string, region: string, field: string) => EmulatedInstance,
): void {
  if (r.ErrorsTolerance !== undefined && !['NONE', 'ALL'].includes(r.ErrorsTolerance as string))
    throw new PopError('InvalidParameter', 'RunOptions.ErrorsTolerance must be NONE or ALL.');
  const retry = r.RetryStrategy as { PushRetryStrategy?: unknown; MaximumRetryAttempts?: unknown } | undefined;
  if (
    retry !== undefined &&
    !['BACKOFF_RETRY', 'EXPONENTIAL_DECAY_RETRY'].includes(retry?.PushRetryStrategy as string)
  ) {
    throw new PopError(
      'InvalidParameter',
      'RunOptions.RetryStrategy.PushRetryStrategy must be BACKOFF_RETRY or EXPONENTIAL_DECAY_RETRY.',
    );
  }
  if (
    retry?.MaximumRetryAttempts !== undefined &&
    !(Number.isInteger(retry.MaximumRetryAttempts) && (retry.MaximumRetryAttempts as number) >= 0)
  ) {
    throw new PopError(
      'InvalidParameter',
      'RunOptions.RetryStrategy.MaximumRetryAttempts must be a non-negative integer.',
    );
  }
  const dlq = r.DeadLetterQueue as { Arn?: unknown } | undefined;
  if (dlq === undefined) return;
  if (typeof dlq?.Arn !== 'string' || dlq.Arn === '')
    throw new PopError(
      'InvalidParameter',
      'RunOptions.DeadLetterQueue.Arn is required (the ARN of the dead-letter queue).',
    );
  const arn = parseKafkaTopicArn(dlq.Arn);
  if (!arn)
    throw new PopError(
      'InvalidParameter',
      `RunOptions.DeadLetterQueue.Arn "${dlq.Arn}": the emulator delivers dead letters to ApsaraMQ for Kafka topics only (acs:alikafka:<region>:<account>:instance/<instanceId>/topic/<topic>).`,
    );
  if (arn.region !== region)
    throw new PopError(
      'InvalidParameter',
      `RunOptions.DeadLetterQueue.Arn: region ${arn.region} is not the stream's region ${region}.`,
    );
  instance(arn.instanceId, arn.region, 'RunOptions.DeadLetterQueue.Arn');
}
