// `kdr failback <pair>` as an operator runs it: the help example, bad flags refused naming the flag (exit 2), an
// unknown pair (exit 3), a pair that never failed over refused by the run itself, and `kdr pairs` naming the
// pair's last failback.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { failbackWorkflowId } from '../../../workflows/contract';
import { kdr, shown, writePairsFile } from '../../helpers/cli';
import { kafkaPair, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { closeTemporal, temporal } from '../../../stack/harness/temporal';

describe('kdr failback', () => {
  const name = uniqueName('kf');
  before(() => temporal());
  after(() => closeTemporal());

  test('help, refusals, a run refused because the pair has not failed over, kdr pairs shows it', async () => {
    const help = await kdr(['failback', '--help']);
    assert.equal(help.code, 0, shown(help));
    assert.match(help.stdout, /Examples?:\n\s+\$ kdr failback/);

    const pairsFile = writePairsFile([kafkaPair(name, [`${name}-t`])]);
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const cli = { KDR_PAIRS_FILE: pairsFile, KDR_TASK_QUEUE: taskQueue };
        const badStage = await kdr(['failback', name, '--stages', 'assess,switch-bak'], cli);
        assert.equal(badStage.code, 2, shown(badStage));
        assert.equal(badStage.stderr.trim().split('\n').length, 1, 'one line');
        assert.match(
          badStage.stderr,
          /--stages: expected one of "assess", "export", "re-protect", "switch-back", got "switch-bak"/,
        );
        const badWindow = await kdr(['failback', name, '--stages', 'switch-back', '--quiet-window', 'soon'], cli);
        assert.equal(badWindow.code, 2, shown(badWindow));
        assert.match(badWindow.stderr, /--quiet-window/);
        const unknown = await kdr(['failback', 'no-such-pair'], cli);
        assert.equal(unknown.code, 3, shown(unknown));

        const started = await kdr(['failback', name, '--requested-by', 'alice'], cli);
        assert.equal(started.code, 0, shown(started));
        assert.match(started.stdout, new RegExp(`Started drFailback ${failbackWorkflowId(name)}`));
        assert.match(started.stdout, /kdr approve dr-failback-\S+ --by <approver, not alice>/);
        await assert.rejects(
          client.workflow.getHandle(failbackWorkflowId(name)).result(),
          (err: Error & { cause?: { type?: string; message?: string } }) =>
            err.cause?.type === 'Refused' && /has not failed over/.test(err.cause.message ?? ''),
        );

        // The pair's name finds its failback (no setup or failover run here): status, plan and approve take it.
        const byPair = await kdr(['status', name], cli);
        assert.match(
          byPair.stdout,
          new RegExp(`drFailback · pair ${name} · ${failbackWorkflowId(name)}`),
          shown(byPair),
        );

        const pairs = await kdr(['pairs'], cli);
        assert.equal(pairs.code, 0, shown(pairs));
        assert.match(pairs.stdout, new RegExp(`${name}: last failback ${failbackWorkflowId(name)} failed`));
        // Never set up: the refused failback recorded nothing about the pair.
        assert.match(pairs.stdout, new RegExp(`${name}: not set up \\(clients on the \\?`));
      },
      { env: testEnv({ KDR_PAIRS_FILE: pairsFile }) },
    );
  });
});
