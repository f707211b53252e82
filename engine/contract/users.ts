import { z } from 'zod';

/**
 * Replies of the admin's user methods (`users.list`, `users.create`, `users.grantRemote`,
 * `users.setRole`, `users.disable`, `users.enable`). Plain `z.object`s on purpose: the host parses
 * what it sends with them, and zod drops every key they do not name, so an account field added to
 * the store later (or a secret by mistake) cannot reach a front end without being added here.
 */

/** A console role, least privileged first. */
export const UserRoleSchema = z.enum(['viewer', 'operator', 'engineer', 'admin']);

/**
 * What an admin can grant a session signed in from another machine; `viewer` means no grant.
 * Admin is not among them: user management stays on the console workstation (the engine's
 * `REMOTE_GRANT_CEILING` says why).
 */
export const RemoteGrantSchema = z.enum(['viewer', 'operator', 'engineer']);
export type RemoteGrantRole = z.infer<typeof RemoteGrantSchema>;

/** One account as an admin sees it: never a secret, only which kind it has. */
export const UserViewSchema = z.object({
  userName: z.string(),
  displayName: z.string(),
  role: UserRoleSchema,
  /** Password (desk) or PIN (touch panel). */
  secretKind: z.enum(['password', 'pin']),
  disabled: z.boolean(),
  /** The highest role its sessions from another machine act with (the lower of this and `role`). */
  remoteMaxRole: RemoteGrantSchema,
  createdMs: z.number(),
  /** The admin who created it (the first admin created itself). */
  createdBy: z.string(),
  /** Last successful sign-in; null if never. */
  lastSignInMs: z.number().nullable(),
});
export type UserView = z.infer<typeof UserViewSchema>;

/** `users.list`: every account by name, disabled ones included. */
export const UserListSchema = z.array(UserViewSchema);
export type UserList = z.infer<typeof UserListSchema>;
