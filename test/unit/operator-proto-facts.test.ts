// Our master.proto and agent.proto (the operator API's messages) against a table of facts taken
// from Apache Mesos's own files (test/fixtures/proto/operator-facts.tsv: message, field, number,
// label, type; enum values with their numbers): a field renumbered, retyped, renamed, dropped or
// added on our side fails here, whatever the codec's round trips say.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { mesosRoot } from '../../daemons/common/proto/loader.ts';

const FACTS = new URL('../fixtures/proto/operator-facts.tsv', import.meta.url);
const PACKAGES = ['mesos.v1.master.', 'mesos.v1.agent.'];

/** One line per field or enum value, in the table's own format. */
function ourFacts(): string[] {
  const rows: string[] = [];
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const n of ns.nestedArray) {
      const name = n.fullName.slice(1);
      const ours = PACKAGES.some((p) => name.startsWith(p));
      if (ours && n instanceof protobuf.Type) {
        for (const f of n.fieldsArray) {
          f.resolve();
          const label = f.map ? 'map' : f.repeated ? 'repeated' : f.required ? 'required' : 'optional';
          const type = f.resolvedType ? f.resolvedType.fullName.slice(1) : f.type;
          const keyType = f instanceof protobuf.MapField ? f.keyType : '';
          rows.push([name, f.name, f.id, label, f.map ? `${keyType}->${type}` : type].join('\t'));
        }
      }
      if (ours && n instanceof protobuf.Enum) for (const [k, v] of Object.entries(n.values)) rows.push([name, k, v, 'enum', ''].join('\t'));
      if (n instanceof protobuf.Namespace) visit(n);
    }
  };
  visit(mesosRoot());
  return rows;
}

test("master.proto and agent.proto have exactly Apache Mesos's fields: names, numbers, labels, types and enum values", () => {
  const facts = readFileSync(FACTS, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
  assert.ok(facts.length > 400, `the table holds ${facts.length} facts`);
  const ours = new Set(ourFacts());
  const missing = facts.filter((f) => !ours.has(f));
  assert.deepEqual(missing, [], 'facts of Mesos that our files do not match');
  const known = new Set(facts);
  const extra = [...ours].filter((f) => !known.has(f));
  assert.deepEqual(extra, [], 'fields or values of ours that Mesos does not have');
});
