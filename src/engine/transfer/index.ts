/** Moving one object: server-side, streamed or multipart, always verified. */
export { transferObject, chooseMethod, attemptsOf } from './transfer-object.js';
export type { TransferContext, TransferOutcome } from './transfer-context.js';
export { planParts, type PartRange } from './part-plan.js';
export { runLimited } from './run-limited.js';
