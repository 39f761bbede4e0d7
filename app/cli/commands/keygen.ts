// `kdr keygen`: an approver's Ed25519 key pair, for pairs whose approval.identity is "signed".
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { generateApproverKeys } from '../../../src/security/approval-signature';
import { CliError, ExitCode } from '../errors';
import type { CommandContext } from './context';

/** `kdr keygen --out <file>`: a new Ed25519 key pair; the private key file is created 0600, never overwritten. */
export function keygenCommand(out: string): { privateKeyFile: string; publicKey: string } {
  const keys = generateApproverKeys();
  try {
    fs.writeFileSync(out, keys.privatePem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'EEXIST'
        ? `${out} exists: kdr keygen never overwrites a key; choose another --out`
        : `cannot write ${out} (${code ?? String(err)})`,
      ExitCode.usage,
    );
  }
  return { privateKeyFile: out, publicKey: keys.publicKey };
}

export function registerKeygen(program: Command, { print }: Pick<CommandContext, 'print'>): void {
  program
    .command('keygen')
    .description(
      'create an approver key pair for pairs with approval.identity "signed": a private key file (keep it) and the public key (for the pairs file)',
    )
    .requiredOption('--out <file>', 'where to write the private key (PEM, mode 0600; never overwritten)')
    .addHelpText('after', '\nExample:\n  $ kdr keygen --out ~/.kdr/bob.key\n')
    .action((opts: { out: string }, cmd: Command) => {
      const k = keygenCommand(opts.out);
      print(cmd, k, () =>
        [
          `private key written to ${k.privateKeyFile} (keep it secret; approve with kdr approve --key ${k.privateKeyFile})`,
          "add your public key to the pair's approval.approvers in the pairs file:",
          `  { "name": "<your name>", "publicKey": "${k.publicKey}" }`,
        ].join('\n'),
      );
    });
}
