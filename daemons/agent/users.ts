// Looking up the OS account a task runs as (FrameworkInfo.user / CommandInfo.user).
import { accountFile } from '../common/accounts.ts';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** Parses passwd(5) text; exported for tests. */
export function findInPasswd(passwd: string, name: string): OsUser | undefined {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 7) return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' };
  }
  return undefined;
}

/** Looks `name` up in passwd(5), read again only when it changed (common/accounts.ts). */
export function lookupUser(name: string, passwdPath = '/etc/passwd'): OsUser | undefined {
  const text = accountFile(passwdPath);
  return text === undefined ? undefined : findInPasswd(text, name);
}
