// Mesos's --acls JSON (include/mesos/authorizer/acls.proto): a `permissive` default and, per
// action, an ordered list of rules, each a subject entity (`principals`) and an object entity
// whose field name depends on the action. Every action Mesos 1.11 knows is accepted, so an ACL
// file written for Mesos loads here; unknown keys are refused because a misspelt action would
// otherwise silently grant everything it was meant to restrict.

export type EntityType = 'SOME' | 'ANY' | 'NONE';

export interface Entity {
  type: EntityType;
  /** The values of a SOME entity; empty for ANY and NONE. */
  values: readonly string[];
}

export interface Rule {
  principals: Entity;
  object: Entity;
}

/** Each ACL action with the name of its object field. */
export const ACTION_OBJECTS = {
  register_frameworks: 'roles',
  run_tasks: 'users',
  reserve_resources: 'roles',
  unreserve_resources: 'reserver_principals',
  create_volumes: 'roles',
  destroy_volumes: 'creator_principals',
  teardown_frameworks: 'framework_principals',
  update_weights: 'roles',
  get_endpoints: 'paths',
  get_quotas: 'roles',
  update_quotas: 'roles',
  view_frameworks: 'users',
  view_tasks: 'users',
  view_executors: 'users',
  access_sandboxes: 'users',
  access_mesos_logs: 'logs',
  view_roles: 'roles',
  view_flags: 'flags',
  launch_nested_containers_as_user: 'users',
  launch_nested_containers_under_parent_with_user: 'users',
  kill_nested_containers: 'users',
  wait_nested_containers: 'users',
  launch_nested_container_sessions_as_user: 'users',
  launch_nested_container_sessions_under_parent_with_user: 'users',
  attach_containers_input: 'users',
  attach_containers_output: 'users',
  view_containers: 'users',
  set_log_level: 'level',
  remove_nested_containers: 'users',
  register_agents: 'agents',
  update_maintenance_schedules: 'machines',
  get_maintenance_schedules: 'machines',
  start_maintenances: 'machines',
  stop_maintenances: 'machines',
  get_maintenance_statuses: 'machines',
  drain_agents: 'agents',
  deactivate_agents: 'agents',
  reactivate_agents: 'agents',
  mark_agents_gone: 'agents',
  launch_standalone_containers: 'users',
  kill_standalone_containers: 'users',
  wait_standalone_containers: 'users',
  remove_standalone_containers: 'users',
  view_standalone_containers: 'users',
  modify_resource_provider_configs: 'resource_providers',
  mark_resource_providers_gone: 'resource_providers',
  view_resource_providers: 'resource_providers',
  prune_images: 'images',
  resize_volumes: 'roles',
  create_block_disks: 'roles',
  destroy_block_disks: 'roles',
  create_mount_disks: 'roles',
  destroy_mount_disks: 'roles',
  destroy_raw_disks: 'roles',
} as const;

export type Action = keyof typeof ACTION_OBJECTS;

export interface Acls {
  permissive: boolean;
  rules: ReadonlyMap<Action, readonly Rule[]>;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const isAction = (key: string): key is Action => Object.hasOwn(ACTION_OBJECTS, key);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseEntity(v: unknown, where: string): Parsed<Entity> {
  if (!isObject(v)) return { ok: false, error: `${where} must be an object like {"values": ["a"]} or {"type": "ANY"}` };
  for (const key of Object.keys(v)) {
    if (key !== 'type' && key !== 'values') return { ok: false, error: `${where} has unknown field '${key}'; use "type" or "values"` };
  }
  const type = v.type ?? 'SOME';
  if (type !== 'SOME' && type !== 'ANY' && type !== 'NONE') {
    return { ok: false, error: `${where}.type is ${JSON.stringify(type)}; use "ANY" or "NONE", or list names in "values"` };
  }
  const values = v.values ?? [];
  if (!Array.isArray(values) || !values.every((x) => typeof x === 'string')) {
    return { ok: false, error: `${where}.values must be an array of strings` };
  }
  // Mesos ignores values on ANY and NONE; keeping them would only mislead a reader of the rule.
  return { ok: true, value: { type, values: type === 'SOME' ? values : [] } };
}

/** The ACLs in a parsed --acls value, or a one-line error naming the field at fault. */
export function parseAcls(json: unknown): Parsed<Acls> {
  if (!isObject(json)) return { ok: false, error: '--acls must be a JSON object' };
  let permissive = true;
  const rules = new Map<Action, Rule[]>();
  for (const [key, value] of Object.entries(json)) {
    if (key === 'permissive') {
      if (typeof value !== 'boolean') return { ok: false, error: '--acls: permissive must be true or false' };
      permissive = value;
      continue;
    }
    if (!isAction(key)) return { ok: false, error: `--acls: unknown action '${key}' (see acls.proto in Mesos for the names)` };
    if (!Array.isArray(value)) return { ok: false, error: `--acls: ${key} must be an array of rules` };
    const objectField = ACTION_OBJECTS[key];
    const list: Rule[] = [];
    for (const [i, rule] of value.entries()) {
      const where = `--acls: ${key}[${i}]`;
      if (!isObject(rule)) return { ok: false, error: `${where} must be an object with "principals" and "${objectField}"` };
      for (const field of Object.keys(rule)) {
        if (field !== 'principals' && field !== objectField) {
          return { ok: false, error: `${where} has unknown field '${field}'; a ${key} rule has "principals" and "${objectField}"` };
        }
      }
      // Both entities are required in Mesos: an absent one could mean either ANY or NONE.
      if (rule.principals === undefined) return { ok: false, error: `${where} lacks "principals"` };
      if (rule[objectField] === undefined) return { ok: false, error: `${where} lacks "${objectField}"` };
      const principals = parseEntity(rule.principals, `${where}.principals`);
      if (!principals.ok) return principals;
      const object = parseEntity(rule[objectField], `${where}.${objectField}`);
      if (!object.ok) return object;
      list.push({ principals: principals.value, object: object.value });
    }
    rules.set(key, list);
  }
  return { ok: true, value: { permissive, rules } };
}
