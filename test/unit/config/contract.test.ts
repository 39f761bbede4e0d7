// The contract every client shares (workflows/contract/), and the line between the product and the local stack:
// the worker, kdr, the Temporal connection, activities and workflows never import local-stack code, so nothing
// about a developer's stack (its ports, its emulator key) can change how production behaves.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import {
  devServerUiUrl,
  failoverWorkflowId,
  isLoopbackTemporal,
  RUNBOOKS,
  TASK_QUEUE,
  watchWorkflowId,
  workflowId,
  workflowIdsOf,
} from '../../../workflows/contract';
import { repoRoot } from '../../../stack/local-stack';
import { temporalTarget } from '../../../app/temporal-connection';

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    return e.isDirectory() ? sources(rel) : rel.endsWith('.ts') ? [rel] : [];
  });
}

describe('the contract and the product/local-stack line', () => {
  test('ids, task queue and dev-server defaults', () => {
    assert.equal(TASK_QUEUE, 'kafka-dr');
    assert.equal(failoverWorkflowId('orders-dr'), 'dr-failover-orders-dr');
    assert.ok(
      isLoopbackTemporal('127.0.0.1:7233') && isLoopbackTemporal('localhost:7000') && isLoopbackTemporal('[::1]:7233'),
    );
    assert.ok(!isLoopbackTemporal('temporal.example.com:7233'));
    assert.equal(devServerUiUrl('127.0.0.1:7233'), 'http://127.0.0.1:8233');
    assert.equal(devServerUiUrl('temporal.example.com:7233'), undefined, 'no guessed UI link for a remote cluster');
  });

  test('one id scheme, dr-<runbook>-<pair>; a watch started by an earlier version is still looked for', () => {
    for (const runbook of Object.keys(RUNBOOKS) as (keyof typeof RUNBOOKS)[]) {
      assert.equal(workflowId(runbook, 'orders-dr'), `dr-${runbook}-orders-dr`);
      assert.equal(workflowIdsOf(runbook, 'orders-dr')[0], workflowId(runbook, 'orders-dr'), 'the current id first');
    }
    assert.equal(watchWorkflowId('orders-dr'), 'dr-watch-orders-dr');
    assert.deepEqual(workflowIdsOf('watch', 'orders-dr'), ['dr-watch-orders-dr', 'kdr-watch-orders-dr']);
    assert.deepEqual(workflowIdsOf('failover', 'orders-dr'), ['dr-failover-orders-dr']);
  });

  test('the Temporal connection takes TEMPORAL_* only; a stray local-stack port changes nothing', () => {
    assert.equal(temporalTarget({}).address, '127.0.0.1:7233');
    assert.equal(temporalTarget({ KDR_TEMPORAL_PORT: '7999' }).address, '127.0.0.1:7233');
    assert.equal(
      temporalTarget({ TEMPORAL_ADDRESS: 'temporal.example.com:7233', TEMPORAL_NAMESPACE: 'dr' }).namespace,
      'dr',
    );
  });

  test('the product (src, activities, workflows) imports nothing of the local stack, the demo or the emulator', () => {
    const product = [...sources('src'), ...sources('activities'), ...sources('workflows')];
    assert.ok(product.length > 100, "the product's sources were found");
    const offenders = product.filter((f) =>
      /(?:from|import\(|require\()\s*'(?:\.\.\/)+(?:stack|test|bench)\//.test(
        fs.readFileSync(path.join(repoRoot, f), 'utf8'),
      ),
    );
    assert.deepEqual(offenders, []);
    // The local stack's code lives under stack/, apart from the product.
    for (const f of ['stack/local-stack.ts', 'stack/local-pairs.ts', 'stack/demo.ts'])
      assert.ok(fs.existsSync(path.join(repoRoot, f)), f);
  });
});
