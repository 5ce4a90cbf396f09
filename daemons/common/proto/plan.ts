// Flattens protobufjs reflection into small per-message tables ("plans") that the JSON and wire
// walkers use. Built once per message type; the walkers never touch protobufjs reflection again.
import protobuf from 'protobufjs';

/** Scalar and composite field kinds; numbers so the walkers can `switch` cheaply. */
export const Kind = {
  DOUBLE: 0,
  FLOAT: 1,
  INT32: 2,
  UINT32: 3,
  SINT32: 4,
  FIXED32: 5,
  SFIXED32: 6,
  INT64: 7,
  UINT64: 8,
  SINT64: 9,
  FIXED64: 10,
  SFIXED64: 11,
  BOOL: 12,
  STRING: 13,
  BYTES: 14,
  ENUM: 15,
  MESSAGE: 16,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** Protobuf wire types. */
export const Wire = { VARINT: 0, FIXED64: 1, LENGTH: 2, FIXED32: 5 } as const;

const SCALAR_KINDS: Readonly<Record<string, Kind>> = {
  double: Kind.DOUBLE,
  float: Kind.FLOAT,
  int32: Kind.INT32,
  uint32: Kind.UINT32,
  sint32: Kind.SINT32,
  fixed32: Kind.FIXED32,
  sfixed32: Kind.SFIXED32,
  int64: Kind.INT64,
  uint64: Kind.UINT64,
  sint64: Kind.SINT64,
  fixed64: Kind.FIXED64,
  sfixed64: Kind.SFIXED64,
  bool: Kind.BOOL,
  string: Kind.STRING,
  bytes: Kind.BYTES,
};

export function wireTypeOf(kind: Kind): number {
  switch (kind) {
    case Kind.DOUBLE:
    case Kind.FIXED64:
    case Kind.SFIXED64:
      return Wire.FIXED64;
    case Kind.FLOAT:
    case Kind.FIXED32:
    case Kind.SFIXED32:
      return Wire.FIXED32;
    case Kind.STRING:
    case Kind.BYTES:
    case Kind.MESSAGE:
      return Wire.LENGTH;
    default:
      return Wire.VARINT;
  }
}

export interface EnumPlan {
  readonly name: string;
  readonly byName: ReadonlyMap<string, number>;
  readonly byNumber: ReadonlyMap<number, string>;
}

export interface FieldPlan {
  readonly name: string;
  readonly id: number;
  readonly kind: Kind;
  readonly repeated: boolean;
  readonly required: boolean;
  /** Repeated scalar that protoc writes as one length-delimited run (never in Mesos' proto2 files). */
  readonly packed: boolean;
  /** Repeated numeric/enum field: decoders must accept both packed and unpacked forms. */
  readonly packable: boolean;
  /** Wire type of one element (maps: LENGTH, as map entries are messages). */
  readonly wireType: number;
  /** Pre-computed tag of one unpacked element: (id << 3) | wireType. */
  readonly tag: number;
  readonly map: boolean;
  /** Map key kind (maps only; for other fields equals `kind`). */
  readonly keyKind: Kind;
  readonly enumPlan: EnumPlan | undefined;
  /** Message plan of MESSAGE fields (and map values of message type). Filled after creation. */
  message: TypePlan | undefined;
}

export interface TypePlan {
  /** Fully qualified name without the leading dot, e.g. `mesos.v1.scheduler.Call`. */
  readonly fullName: string;
  readonly shortName: string;
  /** All fields ordered by field number (the order protoc serializes them in). */
  readonly fields: readonly FieldPlan[];
  readonly byId: ReadonlyMap<number, FieldPlan>;
  /** Required fields in declaration order (the order protobuf reports them missing in). */
  readonly required: readonly FieldPlan[];
  /** Message-typed fields (incl. maps of messages) in number order, for required-field checks. */
  readonly messageFields: readonly FieldPlan[];
  /** Whether this message or anything reachable from it has a required field. */
  hasRequiredDeep: boolean;
}

/** Compiles and caches plans for the types of one protobufjs Root. */
export class PlanCache {
  private readonly byType = new Map<protobuf.Type, TypePlan>();
  private readonly resolvedOuter = new Set<protobuf.Type>();
  private readonly byName = new Map<string, TypePlan>();
  private readonly enums = new Map<protobuf.Enum, EnumPlan>();

  constructor(private readonly root: protobuf.Root) {}

  /** Plan of a message type by its fully qualified name; throws for unknown names. */
  get(typeName: string): TypePlan {
    const cached = this.byName.get(typeName);
    if (cached !== undefined) return cached;
    const lookupName = typeName.startsWith('.') ? typeName.slice(1) : typeName;
    const type = this.root.lookup(lookupName);
    if (!(type instanceof protobuf.Type)) throw new Error(`Unknown protobuf message type '${typeName}'`);
    const created: TypePlan[] = [];
    const plan = this.planOf(type, created);
    settleRequiredDeep(created);
    this.byName.set(typeName, plan);
    return plan;
  }

  private planOf(type: protobuf.Type, created: TypePlan[]): TypePlan {
    const existing = this.byType.get(type);
    if (existing !== undefined) return existing;

    this.resolveOutermost(type);
    const declared = type.fieldsArray;
    const fields = declared.map((f) => this.fieldOf(type, f)).sort((a, b) => a.id - b.id);
    const plan: TypePlan = {
      fullName: type.fullName.slice(1),
      shortName: type.name,
      fields,
      byId: new Map(fields.map((f) => [f.id, f])),
      required: declared.filter((f) => f.required).map((f) => fields.find((p) => p.name === f.name)!),
      messageFields: fields.filter((f) => f.kind === Kind.MESSAGE),
      hasRequiredDeep: false,
    };
    // Register before descending so recursive types (e.g. ContainerID.parent) terminate.
    this.byType.set(type, plan);
    created.push(plan);
    for (const f of declared) {
      const resolved = f.resolvedType;
      if (resolved instanceof protobuf.Type) {
        plan.fields.find((p) => p.name === f.name)!.message = this.planOf(resolved, created);
      }
    }
    return plan;
  }

  /**
   * Resolves the fields of a type and their edition features (`required` comes from those). A
   * root loaded from a descriptor resolves only the types a codec plans, and a nested type
   * inherits its edition from the message it is declared in, so resolution starts there.
   */
  private resolveOutermost(type: protobuf.Type): void {
    let outer = type;
    while (outer.parent instanceof protobuf.Type) outer = outer.parent;
    if (this.resolvedOuter.has(outer)) return;
    outer.resolveAll();
    this.resolvedOuter.add(outer);
  }

  private fieldOf(owner: protobuf.Type, f: protobuf.Field): FieldPlan {
    f.resolve();
    const resolved = f.resolvedType;
    let kind: Kind;
    let enumPlan: EnumPlan | undefined;
    if (resolved instanceof protobuf.Enum) {
      kind = Kind.ENUM;
      enumPlan = this.enumOf(resolved);
    } else if (resolved instanceof protobuf.Type) {
      kind = Kind.MESSAGE;
    } else {
      const scalar = SCALAR_KINDS[f.type];
      if (scalar === undefined) throw new Error(`${owner.fullName}.${f.name}: unsupported type '${f.type}'`);
      kind = scalar;
    }
    const isMap = f instanceof protobuf.MapField;
    let keyKind = kind;
    if (isMap) {
      const key = SCALAR_KINDS[f.keyType];
      if (key === undefined) throw new Error(`${owner.fullName}.${f.name}: unsupported map key '${f.keyType}'`);
      keyKind = key;
    }
    const packable = f.repeated && !isMap && wireTypeOf(kind) !== Wire.LENGTH;
    const wireType = isMap ? Wire.LENGTH : wireTypeOf(kind);
    return {
      name: f.name,
      id: f.id,
      kind,
      repeated: f.repeated,
      required: f.required,
      packed: packable && f.packed,
      packable,
      wireType,
      tag: ((f.id << 3) | wireType) >>> 0,
      map: isMap,
      keyKind,
      enumPlan,
      message: undefined,
    };
  }

  private enumOf(e: protobuf.Enum): EnumPlan {
    let plan = this.enums.get(e);
    if (plan === undefined) {
      const byName = new Map<string, number>();
      const byNumber = new Map<number, string>();
      for (const [name, value] of Object.entries(e.values)) {
        byName.set(name, value);
        // With aliases the first declared name is the canonical one, as in protoc.
        if (!byNumber.has(value)) byNumber.set(value, name);
      }
      plan = { name: e.name, byName, byNumber };
      this.enums.set(e, plan);
    }
    return plan;
  }
}

/** Propagates "has a required field somewhere below" through newly created plans to a fixpoint. */
function settleRequiredDeep(plans: TypePlan[]): void {
  for (const p of plans) p.hasRequiredDeep = p.required.length > 0;
  let changed = true;
  while (changed) {
    changed = false;
    for (const p of plans) {
      if (p.hasRequiredDeep) continue;
      if (p.messageFields.some((f) => f.message!.hasRequiredDeep)) {
        p.hasRequiredDeep = true;
        changed = true;
      }
    }
  }
}
