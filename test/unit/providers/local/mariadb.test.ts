/**
 * The pure parts of local mysql instances (MariaDB standing in for MySQL 8.0): the SQL
 * mariadb-install-db runs after its bootstrap, the server's my.cnf, version parsing, the
 * prepared-backup check and the label, by exact value.
 */
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../../src/lib/secret.js';
import { checkMysqlVersion, parseMariaDbVersion } from '../../../../src/lib/providers/local/mariadb-binaries.js';
import { regionLayout } from '../../../../src/lib/providers/local/layout.js';
import { bootstrapSql, mariaPaths, serverConfig, sqlString, type MariaPaths } from '../../../../src/lib/providers/local/mariadb-server.js';
import { backupType } from '../../../../src/lib/providers/local/mariadb-snapshots.js';
import { standInLabel } from '../../../../src/lib/providers/local/records.js';
import { UsageError } from '../../../../src/lib/errors.js';

const paths: MariaPaths = {
  id: 'shop-db',
  instanceDir: '/h/local/us-east-2/instances/shop-db',
  dataDir: '/h/local/us-east-2/instances/shop-db/data',
  cnf: '/h/local/us-east-2/instances/shop-db/my.cnf',
  log: '/h/local/us-east-2/instances/shop-db/mariadb.log',
  pidFile: '/h/local/us-east-2/instances/shop-db/mariadbd.pid',
  socket: '/h/local/us-east-2/instances/shop-db/mariadbd.sock',
};

describe('bootstrapSql', () => {
  it('removes the password-less root accounts, sets root’s password, creates the master user and the database', () => {
    const sql = bootstrapSql({
      rootPassword: new Secret('r00t-pw'),
      masterUsername: 'dbadmin',
      password: new Secret("it's\\x"),
      dbName: 'shop',
    });
    expect(sql).toBe(
      [
        'FLUSH PRIVILEGES;',
        "DELETE FROM mysql.global_priv WHERE (User = 'root' AND Host <> 'localhost') OR User = '';",
        "DELETE FROM mysql.proxies_priv WHERE User = 'root' AND Host <> 'localhost';",
        'FLUSH PRIVILEGES;',
        "ALTER USER 'root'@'localhost' IDENTIFIED BY 'r00t-pw';",
        "CREATE USER 'dbadmin'@'%' IDENTIFIED BY 'it''s\\\\x';",
        "GRANT ALL PRIVILEGES ON *.* TO 'dbadmin'@'%' WITH GRANT OPTION;",
        'CREATE DATABASE IF NOT EXISTS `shop` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;',
        '',
      ].join('\n'),
    );
  });

  it('escapes quotes, backslashes and NUL in string literals', () => {
    expect(sqlString("a'b\\c\0d")).toBe("'a''b\\\\c\\0d'");
  });
});

describe('serverConfig', () => {
  it('binds 127.0.0.1 on its own port and socket with MySQL 8.0’s sql_mode', () => {
    expect(serverConfig(paths, 41873)).toBe(
      [
        '# Written by dbops: a MariaDB server standing in for MySQL 8.0 (local provider).',
        '[mariadbd]',
        'datadir=/h/local/us-east-2/instances/shop-db/data',
        'port=41873',
        'bind-address=127.0.0.1',
        'socket=/h/local/us-east-2/instances/shop-db/mariadbd.sock',
        'pid-file=/h/local/us-east-2/instances/shop-db/mariadbd.pid',
        'log-error=/h/local/us-east-2/instances/shop-db/mariadb.log',
        'skip-name-resolve',
        'character-set-server=utf8mb4',
        'collation-server=utf8mb4_unicode_ci',
        'sql_mode=ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION',
        'innodb_buffer_pool_size=128M',
        '',
      ].join('\n'),
    );
  });

  it('lets a temporary restore skip flushing the redo log at each commit', () => {
    expect(serverConfig(paths, 1, { temporary: true }).trim().split('\n').pop()).toBe('innodb_flush_log_at_trx_commit=0');
  });
});

describe('versions and labels', () => {
  it('reads the MariaDB version from mariadbd --version', () => {
    expect(parseMariaDbVersion('mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)')).toBe('10.11.19');
    expect(parseMariaDbVersion('postgres (PostgreSQL) 15.8')).toBeUndefined();
  });

  it('labels the stand-in by the MariaDB series and the MySQL version', () => {
    expect(standInLabel({ product: 'MariaDB', version: '10.11.19' }, '8.0.35')).toBe('MariaDB 10.11 standing in for MySQL 8.0');
  });

  it('accepts MySQL 8.0 and 8.0.x only', () => {
    expect(() => checkMysqlVersion('8.0')).not.toThrow();
    expect(() => checkMysqlVersion('8.0.35')).not.toThrow();
    for (const v of ['8', '8.4', '5.7', '15']) expect(() => checkMysqlVersion(v)).toThrow(UsageError);
  });
});

describe('backupType', () => {
  it('reads backup_type from xtrabackup_checkpoints', () => {
    const text = 'backup_type = log-applied\nfrom_lsn = 0\nto_lsn = 44744\nlast_lsn = 48062\nrecover_binlog_info = 0\n';
    expect(backupType(text)).toBe('log-applied');
    expect(backupType(text.replace('log-applied', 'full-backuped'))).toBe('full-backuped');
    expect(backupType('')).toBeUndefined();
  });
});

describe('mariaPaths', () => {
  it('keeps the socket in the instance directory when the path fits a Unix socket', () => {
    expect(mariaPaths(regionLayout('/h', 'us-east-2'), 'shop-db').socket).toBe('/h/local/us-east-2/instances/shop-db/mariadbd.sock');
  });

  it('puts the socket in /tmp under a name derived from the instance directory when the path would be too long', () => {
    const home = `/var/lib/${'d'.repeat(60)}`;
    const a = mariaPaths(regionLayout(home, 'us-east-2'), 'shop-db').socket;
    const b = mariaPaths(regionLayout(home, 'us-west-2'), 'shop-db').socket;
    expect(a).toMatch(/^\/tmp\/dbops-mariadb-[0-9a-f]{20}\.sock$/);
    expect(b).not.toBe(a);
    expect(mariaPaths(regionLayout(home, 'us-east-2'), 'shop-db').socket).toBe(a);
  });
});
