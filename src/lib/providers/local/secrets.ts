/**
 * The local secrets file, $DBOPS_HOME/secrets.json (mode 0600, written atomically): the
 * master password of each local instance, and a copy for each snapshot, because a
 * snapshot outlives its instance and a restore needs the password the data was made with.
 * Values come out as Secret and are registered for redaction the moment they are read.
 */
import { Secret, registerSecret } from '../../secret.js';
import { secretsFile } from './layout.js';
import { parseState, secretsDocumentSchema } from './state-schema.js';
import { readJson, withFileLock, writeJsonAtomic } from './state.js';

export type SecretKind = 'instances' | 'snapshots';

interface SecretEntry {
  masterUsername: string;
  password: string;
  rootPassword?: string;
  updatedAt: string;
}

interface SecretsDocument {
  version: 1;
  instances: Record<string, SecretEntry>;
  snapshots: Record<string, SecretEntry>;
}

/** A master credential as the provider hands it around. */
export interface MasterCredential {
  masterUsername: string;
  password: Secret;
  /** mysql (MariaDB) instances: root@localhost's password, for what only root may do (backups). */
  rootPassword?: Secret;
}

const key = (region: string, id: string): string => `${region}/${id}`;

export class SecretsStore {
  readonly file: string;
  constructor(home: string) {
    this.file = secretsFile(home);
  }

  async get(kind: SecretKind, region: string, id: string): Promise<MasterCredential | undefined> {
    const doc = await this.#read();
    const entry = doc[kind][key(region, id)];
    if (!entry) return undefined;
    registerSecret(entry.password);
    if (entry.rootPassword) registerSecret(entry.rootPassword);
    return {
      masterUsername: entry.masterUsername,
      password: new Secret(entry.password),
      ...(entry.rootPassword ? { rootPassword: new Secret(entry.rootPassword) } : {}),
    };
  }

  async put(kind: SecretKind, region: string, id: string, cred: MasterCredential): Promise<void> {
    registerSecret(cred.password);
    if (cred.rootPassword) registerSecret(cred.rootPassword);
    await this.#update((doc) => {
      doc[kind][key(region, id)] = {
        masterUsername: cred.masterUsername,
        password: cred.password.reveal(),
        ...(cred.rootPassword ? { rootPassword: cred.rootPassword.reveal() } : {}),
        updatedAt: new Date().toISOString(),
      };
    });
  }

  async remove(kind: SecretKind, region: string, id: string): Promise<void> {
    await this.#update((doc) => {
      delete doc[kind][key(region, id)];
    });
  }

  async #read(): Promise<SecretsDocument> {
    const doc = await readJson<Partial<SecretsDocument>>(
      this.file,
      (v, file) => parseState(secretsDocumentSchema, file, v) as Partial<SecretsDocument>,
    );
    return { version: 1, instances: { ...doc?.instances }, snapshots: { ...doc?.snapshots } };
  }

  async #update(mutate: (doc: SecretsDocument) => void): Promise<void> {
    await withFileLock(this.file, async () => {
      const doc = await this.#read();
      mutate(doc);
      await writeJsonAtomic(this.file, doc, 0o600);
    });
  }
}
