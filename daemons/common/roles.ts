// Role names and the role hierarchy, as Apache Mesos defines them (include/mesos/roles.hpp,
// src/common/roles.cpp): the one place that says what a valid role is, used by the master (a
// FrameworkInfo, REVIVE/SUPPRESS, `--roles`), by resource parsing and validation (the agent's
// `--resources`, resources in calls) and by whatever walks the tree of roles. Error texts are
// Mesos's own: schedulers see them in refused subscriptions and dropped tasks.
import { type Result, failed, ok } from './result.ts';

/** The role of unreserved resources; valid as a role, never as a component of one. */
const STAR = '*';

/** Bytes a role component may not contain: tab, newline, vertical tab, form feed, return, space, DEL. */
const INVALID_CHARACTERS = /[\t\n\v\f\r \x7f]/;

/**
 * Why `role` is not a valid role name, or undefined (roles::validate). A role is a path of
 * components separated by '/'; each component must be usable as a directory name.
 */
export function validateRole(role: string): string | undefined {
  if (role === STAR) return undefined;
  if (role.startsWith('/')) return `Role '${role}' cannot start with a slash`;
  if (role.endsWith('/')) return `Role '${role}' cannot end with a slash`;
  if (role.includes('//')) return `Role '${role}' cannot contain two adjacent slashes`;
  // Past the checks above, splitting on '/' yields no empty component, except for '' itself.
  if (role === '') return 'Role names cannot be the empty string';
  for (const component of role.split('/')) {
    if (component === '.' || component === '..' || component === STAR) {
      return `Role '${role}' cannot include '${component}' as a component`;
    }
    if (component.startsWith('-')) return `Role component '${component}' is invalid because it starts with a dash`;
    if (INVALID_CHARACTERS.test(component)) {
      return `Role component '${component}' is invalid because it contains backspace or whitespace`;
    }
  }
  return undefined;
}

/** The error of the first invalid role of a list, or undefined (roles::validate of a vector). */
export function validateRoles(roles: Iterable<string>): string | undefined {
  for (const role of roles) {
    const error = validateRole(role);
    if (error !== undefined) return error;
  }
  return undefined;
}

/**
 * Roles from 'role1,role2,role3' (roles::parse): empty items are skipped, as stout's
 * `strings::tokenize` skips them, so 'a,,b,' is ['a', 'b']; then every role must be valid.
 */
export function parseRoles(text: string): Result<string[]> {
  const roles = text.split(',').filter((r) => r !== '');
  const error = validateRoles(roles);
  return error === undefined ? ok(roles) : failed(error);
}

/**
 * Whether `left` lies strictly below `right` in the role tree (roles::isStrictSubroleOf):
 * 'a/b' and 'a/b/c' are below 'a'; 'a' is not below itself, nor is 'ab' below 'a'.
 */
export function isStrictSubroleOf(left: string, right: string): boolean {
  return left.length > right.length && left[right.length] === '/' && left.startsWith(right);
}

/** `role` itself or any role below it: the subtree Mesos's *ToRoleSubtree functions look at. */
export function isInRoleSubtree(role: string, root: string): boolean {
  return role === root || isStrictSubroleOf(role, root);
}

/** The roles above a valid role, nearest first (roles::ancestors): 'a/b/c' gives ['a/b', 'a']. */
export function roleAncestors(role: string): string[] {
  const result: string[] = [];
  for (let i = role.length - 1; i >= 0; i--) if (role[i] === '/') result.push(role.slice(0, i));
  return result;
}
