// One list of failure types (src/errors.ts): the errors kafka-dr raises carry one of its types and say whether a
// retry can help; the Temporal failure follows that; the operator guide documents every type the list has.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { asActivityFailure } from '../../../activities/failures';
import { CloudApiError, CloudConfigError } from '../../../src/cloud';
import { PairsFileError, UnknownPairError } from '../../../src/config/file';
import { ConnectApiError } from '../../../src/connectors/kafka-connect';
import { FAILURE_TYPES, KdrError } from '../../../src/errors';
import {
  ClusterUnreachableError,
  GroupHasLiveMembersError,
  PartitionCountMismatchError,
  TopicMissingError,
} from '../../../src/kafka/admin';
import { KafkaConfigError } from '../../../src/kafka/clients';
import { PlanInputError } from '../../../src/plan/planner';
import { SelectionBudgetError } from '../../../src/config/safe-pattern';
import { repoRoot } from '../../../stack/local-stack';

describe('failure types', () => {
  const errors: KdrError[] = [
    new TopicMissingError(['orders'], 'secondary'),
    new PartitionCountMismatchError([{ topic: 'orders', primary: 3, secondary: 2 }]),
    new GroupHasLiveMembersError('billing', 'Stable', 1),
    new ClusterUnreachableError('cannot connect'),
    new KafkaConfigError('x'),
    new PlanInputError('x'),
    new SelectionBudgetError('pattern "x" took longer than 10000 ms'),
    new PairsFileError('x'),
    new UnknownPairError('x'),
    new CloudConfigError('x'),
    new ConnectApiError('bad config', 400),
  ];

  test('every error kafka-dr raises has a type from the one list, and its Temporal failure is retryable exactly when the list says so', () => {
    for (const err of errors) {
      const entry = (FAILURE_TYPES as Record<string, { retryable: boolean }>)[err.type];
      assert.ok(entry, `${err.name}: type ${err.type} is not in FAILURE_TYPES`);
      assert.equal(err.retryable, entry.retryable, `${err.type}: the error and the list disagree about retrying`);
      const failure = asActivityFailure(err);
      assert.equal(failure.type, err.type);
      assert.equal(failure.nonRetryable, !err.retryable);
      assert.equal(failure.message, err.message);
    }
  });

  test('one name per problem: the class and its failure type agree (no PartitionCountMismatch vs PartitionCountMismatchError)', () => {
    assert.equal(new PartitionCountMismatchError([]).type, 'PartitionCountMismatch');
    assert.equal(new ClusterUnreachableError('x').type, 'ClusterUnreachable');
    assert.equal(
      new ClusterUnreachableError('x').retryable,
      true,
      'a cluster that does not answer may be restarting: retried until the step deadline',
    );
  });

  test('Connect answers: a bad config (4xx) blocks, a rebalance (409) or a server error (5xx) is retried', () => {
    assert.equal(asActivityFailure(new ConnectApiError('bad', 400)).nonRetryable, true);
    assert.equal(asActivityFailure(new ConnectApiError('rebalancing', 409)).nonRetryable, false);
    assert.equal(asActivityFailure(new ConnectApiError('down', 503)).nonRetryable, false);
  });

  test("cloud errors keep the cloud's code as their type, with the request facts as details", () => {
    const f = asActivityFailure(
      new CloudApiError({
        code: 'Throttling.User',
        message: 'slow down',
        httpStatus: 400,
        product: 'alikafka',
        action: 'GetInstanceList',
        requestId: 'R1',
      }),
    );
    assert.equal(f.type, 'Throttling.User');
    assert.equal(f.nonRetryable, false);
    assert.deepEqual(f.details, [
      { code: 'Throttling.User', requestId: 'R1', httpStatus: 400, product: 'alikafka', action: 'GetInstanceList' },
    ]);
  });

  test('the operator guide documents every failure type with whether it is retried', () => {
    const guide = fs.readFileSync(path.join(repoRoot, 'docs', 'operator-guide.md'), 'utf8');
    for (const [type, { retryable }] of Object.entries(FAILURE_TYPES)) {
      assert.match(
        guide,
        new RegExp(`\\| \`${type}\` \\| ${retryable ? 'yes' : 'no'} \\|`),
        `docs/operator-guide.md lacks failure type ${type}`,
      );
    }
  });
});
