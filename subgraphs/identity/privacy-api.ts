/**
 * The identity service's privacy functions for the operator console, and the only module of the identity
 * subgraph the console imports (test/architecture/layers.test.ts holds it to that). Through it an operator
 * views a person's record and audit trail, exports, erases, unlinks a merchant and ends sessions, under
 * the same rules and audit trail as the person's own requests from the mini-program.
 */
export type { AuditLog } from './audit-log.js';
export type { DataExport } from './data-export.js';
export { privacyRightsFor, type PrivacyRights } from './privacy-rights.js';
