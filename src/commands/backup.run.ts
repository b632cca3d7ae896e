import { ExitCode } from '../lib/errors.js';
import { renderBackupStatus } from '../lib/snapshots/render.js';
import { backupStatus } from '../lib/snapshots/status.js';
import * as def from './backup.js';
import { handler } from './define.js';

/** `dbops backup status`: exit 1 on a violation of the backup policy (rendered first), so cron can alert. */
export const status = handler(def.status, async (ctx, { opts }) => {
  const result = await backupStatus(ctx, { instanceId: opts.instance ?? ctx.config.database.identifier });
  ctx.out.result(result, renderBackupStatus);
  return result.ok ? undefined : ExitCode.checksFailed;
});
