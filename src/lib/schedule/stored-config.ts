/**
 * The config `dbops schedule apply` stores in SSM for the tasks: the effective config as
 * JSON. It must hold no secret value: secrets stay in Secrets Manager and are referenced (an
 * ARN or a name), never copied. `storedConfig` refuses a config with a value under a key that
 * names a secret (password, token, secret, private key, credentials) unless that value is a
 * reference. Pure.
 */
import { UsageError } from '../errors.js';

const SECRET_KEY = /(password|passwd|secret|token|privatekey|private_key|credential|apikey|api_key)/i;
/** A key that names a reference to a secret, not the secret itself. */
const REFERENCE_KEY = /(arn|id|name|ref|source|env|file|path)$/i;
/** A value that is a reference: an ARN, or a Secrets Manager / SSM / env reference. */
const REFERENCE_VALUE = /^(arn:|\{\{resolve:|env:|ssm:|secretsmanager:)/;

/** Where the config holds something that looks like a secret value ("database.password"). */
export function secretValuesIn(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => secretValuesIn(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
      const here = path ? `${path}.${k}` : k;
      if (typeof v === 'string' && v !== '' && SECRET_KEY.test(k) && !REFERENCE_KEY.test(k) && !REFERENCE_VALUE.test(v)) return [here];
      return secretValuesIn(v, here);
    });
  }
  return [];
}

/** The text of the SSM parameter; refuses (exit 2) when the config carries a secret value. */
export function storedConfig(config: unknown): string {
  const found = secretValuesIn(config);
  if (found.length > 0) {
    throw new UsageError(
      `The config has a secret value at ${found.join(', ')}; dbops schedule stores the config in SSM Parameter Store and never copies a secret there.`,
      { hint: 'Keep the secret in Secrets Manager and reference it by ARN, then rerun (runbooks/schedule.md, SC-2).' },
    );
  }
  return JSON.stringify(config);
}
