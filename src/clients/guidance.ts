// What each Kafka client library does when a pair's CNAME moves, as measured by the client matrix
// (`npm run clients`, test/stack/clients/): the one table the drFailover plan, docs/clients.md and the matrix test share.
// A row marked `follows` is a promise the matrix test keeps: that client, with those settings, resumes on the
// secondary after an outage without being restarted. Pure data: workflows import it.

export type ClientKind = 'java' | 'librdkafka' | 'kafkajs' | 'franz-go' | 'sarama' | 'kafka-go';

export type Follow = 'follows' | 'restart';

export interface ClientRow {
  id: string;
  /** The library as an operator knows it, with its package coordinates. */
  client: string;
  kind: ClientKind;
  version: string;
  /** Client properties beyond the defaults ("name=value"); empty: the library's defaults. */
  settings: string[];
  /** After an outage (primary gone, CNAME moved), per role: resumes on the secondary by itself, or needs a restart. */
  outage: { producer: Follow; consumer: Follow };
  /** One line for the operator. */
  advice: string;
}

export const CLIENT_DOC = 'docs/clients.md';

const both = (f: Follow) => ({ producer: f, consumer: f });

export const clientRows: readonly ClientRow[] = [
  {
    id: 'java-3.9',
    client: 'Java org.apache.kafka:kafka-clients',
    kind: 'java',
    version: '3.9.2',
    settings: [],
    outage: both('restart'),
    advice:
      'Java kafka-clients 3.x with defaults (metadata.recovery.strategy=none) never re-bootstrap: restart them, or set metadata.recovery.strategy=rebootstrap (3.8+).',
  },
  {
    id: 'java-3.9-rebootstrap',
    client: 'Java org.apache.kafka:kafka-clients',
    kind: 'java',
    version: '3.9.2',
    settings: ['metadata.recovery.strategy=rebootstrap'],
    outage: both('follows'),
    advice:
      "Java kafka-clients 3.8+ with metadata.recovery.strategy=rebootstrap follow once the JVM's DNS cache (networkaddress.cache.ttl, 30 s) expires.",
  },
  {
    id: 'java-4.1',
    client: 'Java org.apache.kafka:kafka-clients',
    kind: 'java',
    version: '4.1.1',
    settings: [],
    outage: both('follows'),
    advice: "Java kafka-clients 4.x re-bootstrap by default and follow once the JVM's DNS cache expires.",
  },
  {
    id: 'kafkajs',
    client: 'kafkajs (npm)',
    kind: 'kafkajs',
    version: '2.2.4',
    settings: [],
    outage: both('follows'),
    advice:
      'kafkajs follows: its consumer crashes on its retry policy and restarts from the seed brokers (re-reading what it had not committed).',
  },
  {
    id: 'librdkafka',
    client: 'librdkafka via confluent-kafka (PyPI)',
    kind: 'librdkafka',
    version: '2.12.1',
    settings: [],
    outage: { producer: 'follows', consumer: 'restart' },
    advice:
      "librdkafka 2.x (confluent-kafka): producers follow; consumers keep dialing the old group coordinator's address and stall: restart them.",
  },
  {
    id: 'franz-go',
    client: 'github.com/twmb/franz-go',
    kind: 'franz-go',
    version: 'v1.22.3',
    settings: [],
    outage: both('restart'),
    advice:
      "franz-go reaches the secondary but keeps the primary's topic IDs (UNKNOWN_TOPIC_ID on every fetch and produce): restart it.",
  },
  {
    id: 'sarama',
    client: 'github.com/IBM/sarama',
    kind: 'sarama',
    version: 'v1.61.1',
    settings: [],
    outage: both('follows'),
    advice: 'sarama follows: with no reachable broker it dials its seed addresses again.',
  },
  {
    id: 'kafka-go',
    client: 'github.com/segmentio/kafka-go',
    kind: 'kafka-go',
    version: 'v0.4.51',
    settings: [],
    outage: both('follows'),
    advice: 'kafka-go follows: its writer and reader dial the bootstrap address again.',
  },
];

const label = (r: ClientRow) => `${r.client} ${r.version}${r.settings.length ? ` (${r.settings.join(', ')})` : ''}`;

/** The lines a drFailover run prints for the applications after the switch (its next steps). */
export function clientRestartGuidance(outage: boolean): string[] {
  if (!outage) {
    return [
      `In a planned switchover no client leaves a primary that still answers, whatever its settings: restart producers and stop consumers when the run says so (see ${CLIENT_DOC}).`,
    ];
  }
  const follow = clientRows
    .filter((r) => r.outage.producer === 'follows' && r.outage.consumer === 'follows')
    .map(label);
  const restart = clientRows
    .filter((r) => r.outage.producer === 'restart' || r.outage.consumer === 'restart')
    .map(
      (r) =>
        `${label(r)}${r.outage.producer === r.outage.consumer ? '' : ` (${r.outage.producer === 'restart' ? 'producers' : 'consumers'})`}`,
    );
  return [
    `Measured to resume on the secondary after an outage without a restart: ${follow.join('; ')}.`,
    `Restart: ${restart.join('; ')}; and any client not measured (see ${CLIENT_DOC}).`,
  ];
}
