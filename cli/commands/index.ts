import { type RegisterCommand } from '../cli-context';
import { registerAuditCommand } from './audit';
import { registerBatchCommand } from './batch';
import { registerCancelCommand } from './cancel';
import { registerClassifyCommand } from './classify';
import { registerEvalCommand } from './eval';
import { registerListCommand } from './list';
import { registerReportCommand } from './report';
import { registerReprocessCommand } from './reprocess';
import { registerSetupCommand } from './setup';
import { registerRunCommand } from './run';
import { registerStatusCommand } from './status';
import { registerSubmitCommand } from './submit';
import { registerTuneCommand } from './tune';

/**
 * Every `cascade` command, in the order `--help` lists them. A new command is a new file in this
 * folder exporting a `RegisterCommand`, plus one line here.
 */
export const COMMANDS: readonly RegisterCommand[] = [
  registerRunCommand,
  registerSubmitCommand,
  registerStatusCommand,
  registerListCommand,
  registerCancelCommand,
  registerClassifyCommand,
  registerEvalCommand,
  registerTuneCommand,
  registerBatchCommand,
  registerReprocessCommand,
  registerAuditCommand,
  registerReportCommand,
  registerSetupCommand,
];
