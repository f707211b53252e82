/** Accounts, roles and the permission gate: who may do what at the console, and the record of it. */
export {
  Accounts,
  LOGIN_REFUSED,
  type AccountsOptions,
  type NewAccount,
  type LoginResult,
} from './Accounts';
export {
  AccountRuleError,
  USER_NAME_PATTERN,
  RESERVED_USER_NAMES,
  DISPLAY_NAME_MAX_CHARS,
  normaliseUserName,
  checkUserName,
  checkDisplayName,
  type AccountRule,
} from './accountRules';
export {
  authorizeAndAudit,
  authorizeOrRefuse,
  UnauthorisedError,
  AuditWriteError,
  type AuthorityContext,
  type Requester,
  type AuditedRequest,
} from './authorizeAndAudit';
export {
  SCRYPT_PARAMS,
  SALT_BYTES,
  PASSWORD_MIN_CHARS,
  PASSWORD_MAX_CHARS,
  PIN_MIN_DIGITS,
  PIN_MAX_DIGITS,
  SecretRuleError,
  ScryptParamsError,
  checkSecret,
  normaliseSecret,
  hashSecret,
  verifySecret,
  scryptMaxmemBytes,
  type ScryptParams,
  type SecretRule,
} from './passwords';
export {
  ROLES,
  ACTIONS,
  PERMISSIONS,
  MAX_SHELVE_MS,
  authorize,
  type Role,
  type Action,
  type Permission,
  type Subject,
  type RequestContext,
  type Authorization,
} from './roles';
