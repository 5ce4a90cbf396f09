// Role names and the role tree as Apache Mesos has them (src/common/roles.cpp). The valid and
// invalid names are the cases of Mesos's RoleTest (src/tests/role_tests.cpp: Validate, Parsing,
// Ancestors, isStrictSubroleOf), with the error text roles::validate gives for each.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isInRoleSubtree, isStrictSubroleOf, parseRoles, roleAncestors, validateRole, validateRoles } from '../../daemons/common/roles.ts';

describe('validateRole', () => {
  test("Mesos's valid names", () => {
    const valid = ['foo', '123', 'foo_123', '*', 'foo-bar', 'foo.bar', 'foo..bar', '...', 'foo/bar', 'foo/.bar', 'foo/bar/baz'];
    for (const role of [...valid, 'a/b/c/d/e/f/g/h']) assert.equal(validateRole(role), undefined, role);
  });

  test('a backslash, a dash or a dot inside a component, and non-ASCII letters are allowed', () => {
    for (const role of ['a\\b', '\\', 'a-/b', 'a/b-', 'a/b.', 'rôle', 'a\u00a0b']) assert.equal(validateRole(role), undefined, role);
  });

  test("Mesos's invalid names, each with roles::validate's text", () => {
    const invalid: Array<[string, string]> = [
      ['', 'Role names cannot be the empty string'],
      ['.', "Role '.' cannot include '.' as a component"],
      ['..', "Role '..' cannot include '..' as a component"],
      ['-foo', "Role component '-foo' is invalid because it starts with a dash"],
      ['/', "Role '/' cannot start with a slash"],
      ['/foo', "Role '/foo' cannot start with a slash"],
      ['foo/', "Role 'foo/' cannot end with a slash"],
      ['foo//bar', "Role 'foo//bar' cannot contain two adjacent slashes"],
      ['foo/bar/', "Role 'foo/bar/' cannot end with a slash"],
      ['foo bar', "Role component 'foo bar' is invalid because it contains backspace or whitespace"],
      ['foo\tbar', "Role component 'foo\tbar' is invalid because it contains backspace or whitespace"],
      ['foo\nbar', "Role component 'foo\nbar' is invalid because it contains backspace or whitespace"],
      ['./.', "Role './.' cannot include '.' as a component"],
      ['../..', "Role '../..' cannot include '..' as a component"],
      ['./foo', "Role './foo' cannot include '.' as a component"],
      ['../foo', "Role '../foo' cannot include '..' as a component"],
      ['foo/.', "Role 'foo/.' cannot include '.' as a component"],
      ['foo/..', "Role 'foo/..' cannot include '..' as a component"],
      ['foo/./bar', "Role 'foo/./bar' cannot include '.' as a component"],
      ['foo/../bar', "Role 'foo/../bar' cannot include '..' as a component"],
      ['foo/-bar', "Role component '-bar' is invalid because it starts with a dash"],
      ['foo/*', "Role 'foo/*' cannot include '*' as a component"],
      ['foo/*/bar', "Role 'foo/*/bar' cannot include '*' as a component"],
      ['*/foo', "Role '*/foo' cannot include '*' as a component"],
    ];
    for (const [role, error] of invalid) assert.equal(validateRole(role), error, JSON.stringify(role));
  });

  test('every byte of the invalid set is refused, in any component', () => {
    for (const c of ['\t', '\n', '\v', '\f', '\r', ' ', '\x7f']) {
      assert.equal(
        validateRole(`ok/a${c}b`),
        `Role component 'a${c}b' is invalid because it contains backspace or whitespace`,
        JSON.stringify(c),
      );
    }
  });

  test('the checks come in Mesos order: slashes first, then each component in turn', () => {
    assert.equal(validateRole('/-a'), "Role '/-a' cannot start with a slash");
    assert.equal(validateRole('-a/.'), "Role component '-a' is invalid because it starts with a dash");
    assert.equal(validateRole('a b/..'), "Role component 'a b' is invalid because it contains backspace or whitespace");
    assert.equal(validateRole('../a b'), "Role '../a b' cannot include '..' as a component");
    assert.equal(validateRole('a/ b/-c'), "Role component ' b' is invalid because it contains backspace or whitespace");
  });
});

describe('validateRoles and parseRoles', () => {
  test('a list is as valid as its first invalid role', () => {
    assert.equal(validateRoles(['foo', 'bar', '*']), undefined);
    assert.equal(validateRoles(['foo', '.', '*']), "Role '.' cannot include '.' as a component");
    assert.equal(validateRoles([]), undefined);
  });

  test('empty items of a comma list are skipped; any invalid role fails the list', () => {
    const roles = ['abc', 'edf', 'hgi'];
    for (const text of ['abc,edf,hgi', 'abc,edf,hgi,', ',abc,edf,hgi', 'abc,,edf,hgi'])
      assert.deepEqual(parseRoles(text), { ok: true, value: roles }, text);
    assert.deepEqual(parseRoles(''), { ok: true, value: [] });
    assert.deepEqual(parseRoles('foo,.,*'), { ok: false, error: "Role '.' cannot include '.' as a component" });
    // Items are not trimmed: a space is part of the role.
    assert.deepEqual(parseRoles('a, b'), {
      ok: false,
      error: "Role component ' b' is invalid because it contains backspace or whitespace",
    });
  });
});

describe('the role tree', () => {
  test('ancestors, nearest first', () => {
    assert.deepEqual(roleAncestors('role'), []);
    assert.deepEqual(roleAncestors('a/b/c/d'), ['a/b/c', 'a/b', 'a']);
  });

  test('isStrictSubroleOf: below, not equal, not a mere prefix', () => {
    assert.equal(isStrictSubroleOf('foo/bar', 'foo'), true);
    assert.equal(isStrictSubroleOf('foo/bar/baz', 'foo'), true);
    assert.equal(isStrictSubroleOf('foo/bar/baz', 'foo/bar'), true);
    assert.equal(isStrictSubroleOf('foo', 'foo'), false);
    assert.equal(isStrictSubroleOf('bar', 'foo'), false);
    assert.equal(isStrictSubroleOf('foobar', 'foo'), false);
    assert.equal(isStrictSubroleOf('foo', 'foo/bar'), false);
  });

  test('isInRoleSubtree: the role itself or below it', () => {
    assert.equal(isInRoleSubtree('a', 'a'), true);
    assert.equal(isInRoleSubtree('a/b', 'a'), true);
    assert.equal(isInRoleSubtree('ab', 'a'), false);
    assert.equal(isInRoleSubtree('a', 'a/b'), false);
  });
});
