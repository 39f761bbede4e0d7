// npm run stack:up | stack:down | stack:status
import { down, status, up, versions } from './stack';

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up': {
      const t0 = Date.now();
      await up();
      console.log(
        `local stack up in ${((Date.now() - t0) / 1000).toFixed(1)}s (Kafka ${versions.kafka}, Temporal CLI ${versions.temporalCli}); logs in .stack/logs/`,
      );
      return 0;
    }
    case 'down':
      await down();
      return 0;
    case 'status': {
      const rows = await status();
      for (const r of rows) {
        console.log(
          `${r.name.padEnd(18)} ${r.state.padEnd(10)} ${r.pid ? `pid ${String(r.pid).padEnd(8)}` : ' '.repeat(12)} ${r.address}`,
        );
      }
      return rows.every((r) => r.state === 'running' || r.state === 'disabled') ? 0 : 3;
    }
    default:
      console.error('usage: tsx stack/cli.ts up|down|status');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`${err.name === 'Error' ? 'stack' : err.name}: ${err.message}`);
    process.exit(1);
  },
);
