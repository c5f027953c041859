import type { ObjectType } from '../model/object-types.js';

/** HubSpot-defined contact/company association types (v4 type ids) and their reverse. */
export const ASSOCIATION_TYPES: Readonly<
  Record<
    number,
    { from: ObjectType; to: ObjectType; label: string | null; reverse: number; v3Name: string }
  >
> = {
  1: {
    from: 'contacts',
    to: 'companies',
    label: 'Primary',
    reverse: 2,
    v3Name: 'contact_to_company',
  },
  279: {
    from: 'contacts',
    to: 'companies',
    label: null,
    reverse: 280,
    v3Name: 'contact_to_company_unlabeled',
  },
  2: {
    from: 'companies',
    to: 'contacts',
    label: 'Primary',
    reverse: 1,
    v3Name: 'company_to_contact',
  },
  280: {
    from: 'companies',
    to: 'contacts',
    label: null,
    reverse: 279,
    v3Name: 'company_to_contact_unlabeled',
  },
};

/** The unlabeled type a "default" association creates, per direction. */
export const DEFAULT_TYPE_ID: Readonly<Record<string, number>> = {
  'contacts/companies': 279,
  'companies/contacts': 280,
};

export interface AssociationChange {
  readonly fromType: ObjectType;
  readonly fromId: string;
  readonly toType: ObjectType;
  readonly toId: string;
  readonly typeId: number;
  readonly removed: boolean;
}

/** Both directions of every association, keyed `type/id` → other id → type ids. */
export class AssociationIndex {
  private readonly edges = new Map<string, Map<string, Set<number>>>();

  clear(): void {
    this.edges.clear();
  }

  /** Type ids from one record to another. */
  types(fromType: ObjectType, fromId: string, toId: string): number[] {
    return [...(this.edges.get(`${fromType}/${fromId}`)?.get(toId) ?? [])].sort((a, b) => a - b);
  }

  /** Associated ids of `toType`, ascending, with their type ids. */
  list(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
  ): { toId: string; typeIds: number[] }[] {
    const out: { toId: string; typeIds: number[] }[] = [];
    for (const [toId, set] of this.edges.get(`${fromType}/${fromId}`) ?? []) {
      const typeIds = [...set]
        .filter((t) => ASSOCIATION_TYPES[t]?.to === toType)
        .sort((a, b) => a - b);
      if (typeIds.length > 0) out.push({ toId, typeIds });
    }
    return out.sort((a, b) => Number(a.toId) - Number(b.toId));
  }

  /** Adds types (and their reverses); returns what changed, one entry per direction. */
  add(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    toId: string,
    typeIds: readonly number[],
  ): AssociationChange[] {
    const changes: AssociationChange[] = [];
    for (const typeId of typeIds) {
      const def = ASSOCIATION_TYPES[typeId];
      if (def === undefined) continue;
      if (this.put(fromType, fromId, toId, typeId)) {
        this.put(toType, toId, fromId, def.reverse);
        changes.push({ fromType, fromId, toType, toId, typeId, removed: false });
        changes.push({
          fromType: toType,
          fromId: toId,
          toType: fromType,
          toId: fromId,
          typeId: def.reverse,
          removed: false,
        });
      }
    }
    return changes;
  }

  /** Removes every type between two records, both directions. */
  remove(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    toId: string,
  ): AssociationChange[] {
    const changes: AssociationChange[] = [];
    for (const typeId of this.types(fromType, fromId, toId)) {
      const def = ASSOCIATION_TYPES[typeId];
      if (def === undefined) continue;
      changes.push({ fromType, fromId, toType, toId, typeId, removed: true });
      changes.push({
        fromType: toType,
        fromId: toId,
        toType: fromType,
        toId: fromId,
        typeId: def.reverse,
        removed: true,
      });
    }
    this.edges.get(`${fromType}/${fromId}`)?.delete(toId);
    this.edges.get(`${toType}/${toId}`)?.delete(fromId);
    return changes;
  }

  private put(type: ObjectType, id: string, otherId: string, typeId: number): boolean {
    const key = `${type}/${id}`;
    let byOther = this.edges.get(key);
    if (byOther === undefined) this.edges.set(key, (byOther = new Map<string, Set<number>>()));
    let set = byOther.get(otherId);
    if (set === undefined) byOther.set(otherId, (set = new Set()));
    if (set.has(typeId)) return false;
    set.add(typeId);
    return true;
  }
}
