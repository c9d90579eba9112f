/** Identities derived by hashing, so emails and phone numbers never appear in keys, ids or logs. */
import { createHash } from 'node:crypto';

/** Stable short hash of an email or phone (case- and space-insensitive), for pointer keys. */
export function pointerHash(value: string): string {
  return createHash('sha256').update(value.trim().toLowerCase()).digest('base64url').slice(0, 32);
}
