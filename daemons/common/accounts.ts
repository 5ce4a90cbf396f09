// The OS account files, passwd(5) and group(5), read once and kept while they do not change:
// the agent looks a user up for every command task, and /files/browse names the owner and group
// of every file it lists (Mesos asks getpwuid/getgrgid, which read these files on the hosts this
// project targets).
import { readFileSync, statSync } from 'node:fs';

/** Each file last read, kept while its inode, size and mtime stay the same. */
const cache = new Map<string, { stamp: string; text: string }>();

/**
 * The text of an account file, or undefined when it cannot be read. Read again only when it
 * changed: the agent looks a user up for every task, and reading and scanning /etc/passwd each
 * time would block its event loop once per task.
 */
export function accountFile(file: string): string | undefined {
  try {
    const st = statSync(file);
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    let entry = cache.get(file);
    if (entry?.stamp !== stamp) {
      entry = { stamp, text: readFileSync(file, 'utf8') };
      cache.set(file, entry);
    }
    return entry.text;
  } catch {
    cache.delete(file);
    return undefined;
  }
}

/** The name of the entry whose id (third field, in passwd and group alike) is `id`. */
export function nameOfId(text: string, id: number): string | undefined {
  const wanted = String(id);
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[2] === wanted && f[0] !== '') return f[0];
  }
  return undefined;
}

/** Names uids and gids as `ls -l` does: the account's name, else the number. */
export interface AccountNames {
  user(uid: number): string;
  group(gid: number): string;
}

/** Names from the account files as they are now (read once for all the names asked). */
export function accountNames(passwdFile = '/etc/passwd', groupFile = '/etc/group'): AccountNames {
  const passwd = accountFile(passwdFile) ?? '';
  const group = accountFile(groupFile) ?? '';
  const users = new Map<number, string>();
  const groups = new Map<number, string>();
  const named = (memo: Map<number, string>, text: string, id: number): string => {
    let name = memo.get(id);
    if (name === undefined) {
      name = nameOfId(text, id) ?? String(id);
      memo.set(id, name);
    }
    return name;
  };
  return { user: (uid) => named(users, passwd, uid), group: (gid) => named(groups, group, gid) };
}
