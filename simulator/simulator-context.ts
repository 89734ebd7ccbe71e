import { type CallLog } from './call-log';
import { type FaultInjector } from './fault-injector';
import { type ScriptResponder } from './script-responder';

/** The state both servers share: one script, one fault list, one call log. */
export interface SimulatorContext {
  callLog: CallLog;
  faults: FaultInjector;
  responder: ScriptResponder;
}
