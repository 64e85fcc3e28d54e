/** Test and demo helpers: in-memory ports, a manual clock, the demo cast and a consult at each state. */
export { ManualClock, MemoryAuditSink, MemoryConsultRepo, MemoryPatientRepo, RecordingNotifier, RevConflict } from './memory.js';
export { CAST, FACILITIES, PATIENT, SUMMARY, T0, ROUTINE_STEPS, EMERGENCY_STEPS, routineSteps, newDraft, runSteps, consultIn, sampleCommand } from './scenario.js';
export type { Step } from './scenario.js';
