/**
 * What each `@requires` of a supergraph selects with arguments, grouped by the field it selects: the
 * input of the two argument patterns (requires-field-arguments.ts, requires-arguments-conflict.ts).
 */
import {
  isInterfaceType,
  isObjectType,
  parseFieldSetArgument,
  type FieldDefinition,
  type CompositeType,
  type Schema,
  type SelectionSet,
  type Supergraph,
} from '@apollo/federation-internals';

/** One field selected with arguments by one `@requires`. */
export interface RequiredWithArguments {
  subgraph: string;
  /** The requiring field, e.g. `Post.author`. */
  requiringField: string;
  /** Its `@requires` field set, whitespace collapsed, e.g. `comments(limit: 3) { authorId }`. */
  fieldSet: string;
  /** The field with its arguments, e.g. `averagePrice(currency: "USD")`. */
  field: string;
}

/** A field some `@requires` select with arguments, reached from an entity type by a path of fields. */
export interface FieldRequiredWithArguments {
  /** The entity type whose `@requires` select it. */
  entity: string;
  /** The response path from the entity, e.g. `category.averagePrice`. */
  path: string;
  /** The field's schema coordinate, e.g. `Category.averagePrice`. */
  coordinate: string;
  /** Whether clients can select it (it is in the API schema). */
  visible: boolean;
  requiredBy: RequiredWithArguments[];
}

/** What a warning about `field` names: the requiring fields, their subgraphs, each `@requires` as written, and the path. */
export function describeRequiredBy(field: FieldRequiredWithArguments): { requiring: string[]; subgraphs: string[]; how: string; path: string } {
  return {
    requiring: [...new Set(field.requiredBy.map((r) => r.requiringField))],
    subgraphs: [...new Set(field.requiredBy.map((r) => r.subgraph))],
    how: field.requiredBy.map((r) => `${r.requiringField} @requires(fields: ${JSON.stringify(r.fieldSet)})`).join('; '),
    path: `${field.entity}.${field.path}`,
  };
}

/** Every field any `@requires` of the supergraph selects with arguments (at any depth), in schema order. */
export function fieldsRequiredWithArguments(supergraph: Supergraph): FieldRequiredWithArguments[] {
  const api = supergraph.apiSchema();
  const found = new Map<string, FieldRequiredWithArguments>();
  for (const subgraph of supergraph.subgraphs()) {
    const requires = subgraph.metadata().requiresDirective();
    for (const application of requires.applications()) {
      const field = application.parent as FieldDefinition<CompositeType>;
      const selection = parseFieldSetArgument({ parentType: field.parent, directive: application });
      const fieldSet = String(application.arguments().fields).replace(/\s+/g, ' ').trim();
      for (const { path, printed, definition } of withArguments(selection, [])) {
        const key = `${field.parent.name}|${path.join('.')}`;
        const entry = found.get(key) ?? {
          entity: field.parent.name,
          path: path.join('.'),
          coordinate: definition.coordinate,
          visible: isVisible(api, definition),
          requiredBy: [],
        };
        entry.requiredBy.push({ subgraph: subgraph.name, requiringField: field.coordinate, fieldSet, field: printed });
        found.set(key, entry);
      }
    }
  }
  return [...found.values()];
}

/** The fields of `selectionSet` with arguments: their response path, the field printed, its definition. */
function withArguments(selectionSet: SelectionSet, path: string[]): { path: string[]; printed: string; definition: FieldDefinition<CompositeType> }[] {
  return selectionSet.selections().flatMap((selection) => {
    if (selection.kind !== 'FieldSelection') return selection.selectionSet ? withArguments(selection.selectionSet, path) : [];
    const field = selection.element;
    const here = [...path, field.responseName()];
    const own = Object.keys(field.args ?? {}).length > 0 ? [{ path: here, printed: field.toString(), definition: field.definition }] : [];
    return [...own, ...(selection.selectionSet ? withArguments(selection.selectionSet, here) : [])];
  });
}

function isVisible(api: Schema, definition: FieldDefinition<CompositeType>): boolean {
  const type = api.type(definition.parent.name);
  return !!type && (isObjectType(type) || isInterfaceType(type)) && !!type.field(definition.name);
}
