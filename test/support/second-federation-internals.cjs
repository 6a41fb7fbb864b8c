/**
 * Preloaded into a gateway process (NODE_OPTIONS=--require) to reproduce what npm does when
 * @apollo/gateway and the repository pin @apollo/federation-internals apart: Apollo's packages (gateway,
 * query planner, query graphs, composition) load their own copy, SECOND_FEDERATION_INTERNALS (a folder holding a
 * copied package), while the repository's code still loads the root one. Set NODE_PATH to the
 * repository's node_modules so the copy finds its own dependencies.
 */
'use strict';
const Module = require('node:module');
const path = require('node:path');

const copy = process.env.SECOND_FEDERATION_INTERNALS;
const NAME = '@apollo/federation-internals';
const APOLLO = ['gateway', 'query-planner', 'query-graphs', 'composition'].map(
  (name) => `${path.sep}node_modules${path.sep}@apollo${path.sep}${name}${path.sep}`,
);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const fromApollo = parent && typeof parent.filename === 'string' && APOLLO.some((dir) => parent.filename.includes(dir));
  if (copy && fromApollo && (request === NAME || request.startsWith(`${NAME}/`))) {
    return resolve.call(this, path.join(copy, request.slice(NAME.length)), parent, ...rest);
  }
  return resolve.call(this, request, parent, ...rest);
};
