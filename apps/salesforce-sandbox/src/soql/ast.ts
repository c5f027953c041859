export type Literal =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'null' }
  | { readonly type: 'date'; readonly value: string }
  | { readonly type: 'datetime'; readonly value: string };

export interface FieldRef {
  /** As written (may contain a relationship path: `Account.Name`). */
  readonly path: string;
  readonly pos: number;
}

export type Condition =
  | { readonly kind: 'and'; readonly items: readonly Condition[] }
  | { readonly kind: 'or'; readonly items: readonly Condition[] }
  | { readonly kind: 'not'; readonly item: Condition }
  | {
      readonly kind: 'compare';
      readonly field: FieldRef;
      readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=';
      readonly value: Literal;
      readonly valuePos: number;
    }
  | {
      readonly kind: 'like';
      readonly field: FieldRef;
      readonly pattern: string;
      readonly valuePos: number;
    }
  | {
      readonly kind: 'in';
      readonly field: FieldRef;
      readonly negated: boolean;
      readonly values: readonly Literal[];
      readonly valuePos: number;
    };

export interface OrderItem {
  readonly field: FieldRef;
  readonly descending: boolean;
  readonly nullsLast: boolean;
}

export interface SelectQuery {
  /** `undefined` for `SELECT COUNT()`. */
  readonly fields: readonly FieldRef[] | undefined;
  readonly object: string;
  readonly objectPos: number;
  readonly where: Condition | undefined;
  readonly orderBy: readonly OrderItem[];
  readonly limit: number | undefined;
  readonly offset: number | undefined;
}
