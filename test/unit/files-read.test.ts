// /files/read's rules as Mesos's files.cpp has them, the download media types of libprocess's
// table, and the uid/gid names of /files/browse.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { accountNames, nameOfId } from '../../daemons/common/accounts.ts';
import { MAX_READ_LENGTH, jsonStringOfBytes, parseReadRequest, readWindow } from '../../daemons/common/files-read.ts';
import { downloadType } from '../../daemons/common/mime-types.ts';

const q = (o: Record<string, string>) => new Map(Object.entries(o));

describe('parseReadRequest (FilesProcess::__read)', () => {
  test('no offset asks for the size only; no length (or -1) reads to the end', () => {
    assert.deepEqual(parseReadRequest(q({})), { ok: true, value: { offset: -1, length: undefined } });
    assert.deepEqual(parseReadRequest(q({ offset: '0', length: '-1' })), { ok: true, value: { offset: 0, length: undefined } });
    assert.deepEqual(parseReadRequest(q({ offset: '10', length: '0x20' })), { ok: true, value: { offset: 10, length: 32 } });
    assert.deepEqual(parseReadRequest(q({ offset: '-1', length: '5' })), { ok: true, value: { offset: -1, length: 5 } });
  });

  test("Mesos's 400 texts for unparsable and negative values, offset first", () => {
    assert.deepEqual(parseReadRequest(q({ offset: 'abc' })), {
      ok: false,
      error: "Failed to parse offset: Failed to convert 'abc' to number.\n",
    });
    assert.deepEqual(parseReadRequest(q({ offset: '' })), {
      ok: false,
      error: "Failed to parse offset: Failed to convert '' to number.\n",
    });
    assert.deepEqual(parseReadRequest(q({ offset: '-2', length: 'x' })), { ok: false, error: 'Negative offset provided: -2.\n' });
    assert.deepEqual(parseReadRequest(q({ offset: '0', length: '1.5' })), {
      ok: false,
      error: "Failed to parse length: Failed to convert '1.5' to number.\n",
    });
    assert.deepEqual(parseReadRequest(q({ offset: '0', length: '-7' })), { ok: false, error: 'Negative length provided: -7.\n' });
    assert.deepEqual(parseReadRequest(q({ offset: '9223372036854775808' })), {
      ok: false,
      error: "Failed to parse offset: Failed to convert '9223372036854775808' to number.\n",
    });
  });
});

describe('readWindow (FilesProcess::_read)', () => {
  test('offset -1 reads nothing and reports the size', () => {
    assert.deepEqual(readWindow(1234, { offset: -1, length: undefined }), { start: 0, count: 0, reportedOffset: 1234 });
    assert.deepEqual(readWindow(1234, { offset: -1, length: 10 }), { start: 0, count: 0, reportedOffset: 1234 });
  });

  test('reads to the end, capped at 16 pages (64 KiB)', () => {
    assert.equal(MAX_READ_LENGTH, 65_536);
    assert.deepEqual(readWindow(100, { offset: 10, length: undefined }), { start: 10, count: 90, reportedOffset: 10 });
    assert.deepEqual(readWindow(10_000_000, { offset: 0, length: undefined }), { start: 0, count: 65_536, reportedOffset: 0 });
    assert.deepEqual(readWindow(10_000_000, { offset: 5, length: 1_000_000 }), { start: 5, count: 65_536, reportedOffset: 5 });
    assert.deepEqual(
      readWindow(100, { offset: 95, length: 50 }),
      { start: 95, count: 50, reportedOffset: 95 },
      'the read itself stops at the end',
    );
  });

  test('at or past the end, or length 0: nothing, and the offset asked', () => {
    assert.deepEqual(readWindow(100, { offset: 100, length: 5 }), { start: 100, count: 0, reportedOffset: 100 });
    assert.deepEqual(readWindow(100, { offset: 5000, length: undefined }), { start: 5000, count: 0, reportedOffset: 5000 });
    assert.deepEqual(readWindow(100, { offset: 3, length: 0 }), { start: 3, count: 0, reportedOffset: 3 });
    assert.deepEqual(readWindow(0, { offset: 0, length: undefined }), { start: 0, count: 0, reportedOffset: 0 });
  });
});

describe('jsonStringOfBytes (the data field)', () => {
  test('text is a JSON string of itself', () => {
    for (const s of ['', 'hello', 'a "quoted" \\ path\n\ttab', '\u0000\u001f\u007f/', 'héllo wörld ✓']) {
      const bytes = jsonStringOfBytes(Buffer.from(s));
      assert.equal(JSON.parse(bytes.toString('utf8')), s, JSON.stringify(s));
    }
  });

  test('escapes as rapidjson does: short forms, else \\u00XX in capitals', () => {
    assert.equal(jsonStringOfBytes(Buffer.from('\b\f\n\r\t"\\\u0001\u001b')).toString('latin1'), '"\\b\\f\\n\\r\\t\\"\\\\\\u0001\\u001B"');
  });

  test('bytes of a UTF-8 character cut by the read are kept as they are', () => {
    const check = Buffer.from('✓'); // e2 9c 93
    const first = jsonStringOfBytes(check.subarray(0, 2));
    assert.deepEqual([...first], [0x22, 0xe2, 0x9c, 0x22]);
    const second = jsonStringOfBytes(check.subarray(2));
    assert.deepEqual([...second], [0x22, 0x93, 0x22]);
  });
});

describe('downloadType (libprocess mime table)', () => {
  test('by the extension after the last dot, case-sensitively; else octet-stream', () => {
    assert.equal(downloadType('stdout'), 'application/octet-stream');
    assert.equal(downloadType('notes.txt'), 'text/plain');
    assert.equal(downloadType('page.html'), 'text/html');
    assert.equal(downloadType('a.tar.gz'), 'application/octet-stream', '.gz is not in the table');
    assert.equal(downloadType('run.sh'), 'application/x-sh');
    assert.equal(downloadType('app.js'), 'application/x-javascript');
    assert.equal(downloadType('IMAGE.JPG'), 'application/octet-stream');
    assert.equal(downloadType('.sh'), 'application/x-sh');
  });
});

describe('account names for /files/browse', () => {
  test('nameOfId finds the entry by its third field', () => {
    const text = 'root:x:0:0:root:/root:/bin/bash\nmesos:x:995:993::/var/lib/mesos:/sbin/nologin\n';
    assert.equal(nameOfId(text, 0), 'root');
    assert.equal(nameOfId(text, 995), 'mesos');
    assert.equal(nameOfId(text, 993), undefined, 'the gid field of passwd is not an id of the entry');
    assert.equal(nameOfId('wheel:x:10:alice,bob\n', 10), 'wheel');
  });

  test('accountNames: a name when the id is known, else the number', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'accounts-'));
    try {
      writeFileSync(path.join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
      writeFileSync(path.join(dir, 'group'), 'root:x:0:\nstaff:x:50:\n');
      const names = accountNames(path.join(dir, 'passwd'), path.join(dir, 'group'));
      assert.equal(names.user(0), 'root');
      assert.equal(names.user(4242), '4242');
      assert.equal(names.group(50), 'staff');
      assert.equal(names.group(51), '51');
      const none = accountNames(path.join(dir, 'missing'), path.join(dir, 'missing-too'));
      assert.equal(none.user(0), '0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
