/** Every subgraph's SDL by name, as composition sees it. Merchant teams check theirs with `npm run compose`. */
import { print, type DocumentNode } from 'graphql';
import { typeDefs as coupons } from '../subgraphs/coupons/schema.js';
import { typeDefs as identity } from '../subgraphs/identity/schema.js';
import { typeDefs as products } from '../subgraphs/products/schema.js';

export const SUBGRAPH_TYPE_DEFS: Record<string, DocumentNode> = { identity, coupons, products };

export const sdlOf = (name: string): string => print(SUBGRAPH_TYPE_DEFS[name]!);
