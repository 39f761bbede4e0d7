// How kafka-dr reaches a cluster: the security protocol, SASL mechanism and the NAMES of the environment variables
// holding the credentials (never the values). A pair's sides use it, and so does autoFailover's remote probe, which may
// reach the primary through another endpoint (ApsaraMQ's Internet SASL_SSL one). Pure (zod only): workflows import it.
import { z } from 'zod';
import { crossCheck, envName, noConfigReference, oneOf, text } from './fields';

const SecurityObject = z.strictObject({
  protocol: oneOf(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']),
  mechanism: oneOf(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']).optional(),
  usernameEnv: envName().optional(),
  passwordEnv: envName().optional(),
  /** PEM file of the CA certificates to trust, on the worker's host (and Kafka Connect's); default: the system's. */
  caFile: noConfigReference(
    text('a path to a PEM file of CA certificates, e.g. /etc/kafka-dr/ca.pem', 1024),
  ).optional(),
});

export const SecuritySchema = SecurityObject.check(
  crossCheck<z.input<typeof SecurityObject>>((s, report) => {
    if (typeof s.protocol === 'string' && s.protocol.startsWith('SASL_')) {
      if (s.mechanism === undefined)
        report(['mechanism'], `required with protocol ${s.protocol}: one of "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"`);
      if (s.usernameEnv === undefined)
        report(
          ['usernameEnv'],
          `required with protocol ${s.protocol}: the NAME of the environment variable holding the SASL user`,
        );
      if (s.passwordEnv === undefined)
        report(
          ['passwordEnv'],
          `required with protocol ${s.protocol}: the NAME of the environment variable holding the SASL password`,
        );
    } else if (s.mechanism !== undefined) {
      report(['mechanism'], 'only used with SASL_PLAINTEXT or SASL_SSL: remove it or change protocol');
    }
    if (s.caFile !== undefined && s.protocol !== 'SSL' && s.protocol !== 'SASL_SSL') {
      report(
        ['caFile'],
        `only used with SSL or SASL_SSL (protocol is ${String(s.protocol)}): remove it or change protocol`,
      );
    }
  }),
);
