// Looking up the OS account a task runs as (FrameworkInfo.user / CommandInfo.user).
import { readFileSync, statSync } from 'node:fs';

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

/** The passwd file last read, kept while its inode, size and mtime stay the same. */
let cached: { path: string; stamp: string; text: string } | undefined;

/**
 * Looks `name` up in passwd(5). The file is read again only when it changed: a command task
 * looks its user up twice, and reading the file each time cost ~50 us of the agent's event
 * loop per task.
 */
export function lookupUser(name: string, passwdPath = '/etc/passwd'): OsUser | undefined {
  try {
    const st = statSync(passwdPath);
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (cached?.path !== passwdPath || cached.stamp !== stamp) cached = { path: passwdPath, stamp, text: readFileSync(passwdPath, 'utf8') };
  } catch {
    cached = undefined;
    return undefined;
  }
  return findInPasswd(cached.text, name);
}
