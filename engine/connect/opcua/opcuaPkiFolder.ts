import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * The OPC UA client's certificate store for a console whose store is `dbPath`: beside it, so a
 * plant's trusted server certificates live with its data (an in-memory store: a folder under the
 * system's temporary directory), never in the service account's home folder.
 */
export function opcuaPkiFolder(dbPath: string): string {
  return dbPath === ':memory:' ? join(tmpdir(), 'vigil-opcua-pki') : join(dirname(resolve(dbPath)), 'opcua-pki');
}
