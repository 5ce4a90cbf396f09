// Mesos's local authorizer: the first rule whose subject and object both match the request
// decides; when none matches, `permissive` does. A request without a principal (or without an
// object, as for register_agents) is an ANY entity, which only ANY or NONE rules match.
import type { Acls, Action, Entity } from './acls.ts';

/** A request entity: one value, or ANY when there is none. */
const request = (value: string | undefined): Entity =>
  value === undefined ? { type: 'ANY', values: [] } : { type: 'SOME', values: [value] };

/** Whether a rule's entity applies to the request at all. */
function matches(req: Entity, rule: Entity): boolean {
  if (rule.type === 'ANY' || rule.type === 'NONE') return true;
  if (req.type !== 'SOME') return false;
  return req.values.every((v) => rule.values.includes(v));
}

/** Whether a rule that applies grants the request. */
function allows(req: Entity, rule: Entity): boolean {
  if (rule.type === 'ANY') return true;
  if (rule.type === 'NONE') return false;
  return req.type === 'SOME' && req.values.every((v) => rule.values.includes(v));
}

export class LocalAuthorizer {
  constructor(private readonly acls: Acls) {}

  /** Whether `principal` may perform `action` on `object` (undefined: no principal, or any object). */
  authorized(action: Action, principal: string | undefined, object: string | undefined): boolean {
    const subject = request(principal);
    const target = request(object);
    for (const rule of this.acls.rules.get(action) ?? []) {
      if (matches(subject, rule.principals) && matches(target, rule.object)) {
        return allows(subject, rule.principals) && allows(target, rule.object);
      }
    }
    return this.acls.permissive;
  }
}
