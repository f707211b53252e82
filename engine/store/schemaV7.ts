/**
 * Schema version 7: what voted protection concluded, on each alarm-level change and trip — the
 * setpoint group, the channels whose value was at or above the level, the faulted channels that
 * voted (policy vote-as-tripped), the cause (setpoint, reset, bypass removed) and the protection
 * configuration version in force. One JSON column per table rather than five: nothing queries by
 * them, and an incident review reads them with the row. NULL on rows written before this step.
 */
export const SCHEMA_V7 = `
ALTER TABLE alarm_events ADD COLUMN protection_json TEXT;
ALTER TABLE trips ADD COLUMN protection_json TEXT;
`;
