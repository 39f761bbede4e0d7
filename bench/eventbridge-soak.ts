// `npm run soak:eventbridge -- [runs]`: drSetup of a fresh ApsaraMQ pair (new EventBridge streams each time) run
// N times in a row on one stack, counting completed and blocked runs and how often a stream looked failed on
// its way to RUNNING. The proof that an event stream's start is not a coin toss (default 30 runs).
import { createCloudClients } from '../src/cloud';
import { EventBridgeProvider } from '../src/connectors/eventbridge';
import { drSetup } from '../workflows';
import { apsaramqPair, execute, testEnv, uniqueName, withKdrWorker } from '../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth } from '../stack/harness/kafka';
import { closeTemporal } from '../stack/harness/temporal';

async function main(runs: number): Promise<number> {
  const kafka = await openBoth();
  const env = testEnv();
  const streams = new EventBridgeProvider(createCloudClients(env).eventbridge('cn-shanghai'));
  const outcomes = { completed: 0, blocked: 0, lookedFailed: 0 };
  try {
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        for (let i = 1; i <= runs; i++) {
          const name = uniqueName('soak-eb');
          const topic = uniqueName('soak-eb-t');
          await createTopic(kafka.primary, topic, 2);
          const t0 = Date.now();
          try {
            const r = await execute(
              client,
              drSetup,
              { taskQueue, workflowId: uniqueName('drSetup'), args: [{ config: apsaramqPair(name, [topic]) }] },
              240_000,
            );
            outcomes.completed++;
            const wait = r.steps.find((s) => s.name === 'wait-running')?.summary ?? '';
            if (/looked failed/.test(wait)) outcomes.lookedFailed++;
            console.log(
              `run ${i}/${runs}: ${r.outcome} in ${((Date.now() - t0) / 1000).toFixed(1)}s; wait-running: ${wait}`,
            );
          } catch (err) {
            outcomes.blocked++;
            console.log(`run ${i}/${runs}: FAILED ${(err as Error).message}`);
          } finally {
            await streams
              .remove({
                pair: name,
                primary: { bootstrapServers: [] },
                secondary: { bootstrapServers: [] },
                topics: [topic, `${name}-canary`],
              })
              .catch(() => undefined);
            await deleteTopics(kafka.primary, [topic, `${name}-canary`]).catch(() => undefined);
            await deleteTopics(kafka.secondary, [topic, `${name}-canary`]).catch(() => undefined);
          }
        }
      },
      { env },
    );
  } finally {
    await kafka.close();
    await closeTemporal();
  }
  console.log(
    `EventBridge drSetup soak: ${runs} runs, ${outcomes.completed} completed, ${outcomes.blocked} blocked or failed, ` +
      `${outcomes.lookedFailed} saw a failed-looking state on the way`,
  );
  return outcomes.blocked === 0 ? 0 : 1;
}

main(Number(process.argv[2] ?? 30)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
