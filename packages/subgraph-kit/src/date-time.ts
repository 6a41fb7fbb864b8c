/** The DateTime scalar every subgraph shares (ISO-8601 strings on the wire). */
import { GraphQLScalarType, Kind } from 'graphql';

export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize: (value) => (value instanceof Date ? value : new Date(value as string)).toISOString(),
  parseValue: (value) => new Date(value as string),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? new Date(ast.value) : new Date(NaN)),
});
