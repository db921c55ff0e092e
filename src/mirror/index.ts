/**
 * The back-to-origin mirror (`ferry mirror`): an S3 endpoint for the
 * destination bucket that fetches what is not migrated yet from the source
 * (filling the destination as it goes), lists both, and passes writes to the
 * destination. Also the probe and the switchover checklist `ferry
 * switchover` uses.
 */
export { startMirror, type MirrorOptions, type RunningMirror } from './mirror-server.js';
export { mirrorIdentity, MIRROR_HEADER } from './mirror-identity.js';
export { probeMirror, type MirrorProbe } from './mirror-probe.js';
export { planSwitchover, sinceArg, t1Of, type SwitchoverInput, type SwitchoverPlan, type SwitchoverStep } from './switchover-plan.js';
