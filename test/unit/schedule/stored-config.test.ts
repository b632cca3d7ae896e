import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import { secretValuesIn, storedConfig } from '../../../src/lib/schedule/stored-config.js';

describe('the config stored in SSM', () => {
  it('the default config holds no secret value and is stored whole, as JSON', () => {
    expect(secretValuesIn(DEFAULTS)).toEqual([]);
    expect(JSON.parse(storedConfig(DEFAULTS))).toEqual(JSON.parse(JSON.stringify(DEFAULTS)));
  });

  it('refuses a secret value, naming where it is, and never repeats the value', () => {
    const config = { database: { identifier: 'db', password: 'hunter2hunter2' }, alerts: { slack: { webhookToken: 'xoxb-1' } } };
    expect(secretValuesIn(config)).toEqual(['database.password', 'alerts.slack.webhookToken']);
    expect(() => storedConfig(config)).toThrow(/secret value at database.password, alerts.slack.webhookToken/);
    try {
      storedConfig(config);
    } catch (e) {
      expect(String(e)).not.toContain('hunter2');
    }
  });

  it('accepts references to secrets: an ARN value, or a key that names a reference', () => {
    const config = {
      database: { masterSecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:x', password: 'arn:aws:secretsmanager:us-east-1:1:secret:y' },
      connectionPool: { secretName: 'prod/db' },
    };
    expect(secretValuesIn(config)).toEqual([]);
  });
});
