import { type CallLog } from './call-log';
import { type FaultInjector } from './fault-injector';
import { type ReleaseGate } from './release-gate';
import { type ScriptResponder } from './script-responder';

/** The state both servers share: one script, one fault list, one call log, one release gate. */
export interface SimulatorContext {
  callLog: CallLog;
  faults: FaultInjector;
  gate: ReleaseGate;
  responder: ScriptResponder;
}
