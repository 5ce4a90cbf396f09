// Identifiers: version-4 UUIDs for masters, containers and streams, and the status update uuids
// Mesos carries as 16 raw bytes (base64 in JSON), made, checked and printed as Mesos does.
import { randomUUID } from 'node:crypto';
import type { ContainerID } from './mesos.ts';

/**
 * A ContainerID as Mesos prints it, the ids from the outermost parent in joined by dots
 * (stringify(ContainerID)): also how this agent names the containers of a task group's tasks.
 */
export function containerIdText(id: ContainerID): string {
  return id.parent === undefined ? id.value : `${containerIdText(id.parent)}.${id.value}`;
}

export function newUuid(): string {
  return randomUUID();
}

/** 16 random bytes as base64: the `uuid` of a TaskStatus as it appears in JSON. */
export function newStatusUuid(): string {
  const hex = randomUUID().replaceAll('-', '');
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * Validates a base64 status uuid from a client as Mesos's id::UUID::fromBytes does: exactly 16
 * bytes, with an RFC 4122 version (1-5) in the high nibble of byte 6.
 */
export function isValidStatusUuid(value: unknown): value is string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== 16) return false;
  const version = bytes[6]! >> 4;
  return version >= 1 && version <= 5;
}

/** The printable form Mesos uses in logs for a status uuid. */
export function formatStatusUuid(base64: string): string {
  const hex = Buffer.from(base64, 'base64').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
