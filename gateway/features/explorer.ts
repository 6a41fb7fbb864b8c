/**
 * A GraphQL explorer that works offline: GraphiQL (its UMD bundle, from npm) and React, served by the
 * gateway itself at /explorer, so nothing is loaded from a CDN (Apollo's landing page loads from one,
 * which is often unreachable from mainland China). On by default in development, off in production
 * (GRAPHQL_EXPLORER). The packages are devDependencies: a production host that switches it on must
 * install them, and start-up says so.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { HeaderMap } from '@apollo/server';
import type { RawRoute } from '@identity-federation-gateway/subgraph-kit';
import { Headers } from '../../platform/headers.js';
import { prefersHtml } from '../pipeline/media-types.js';
import { defineFeature } from '../pipeline/feature.js';

/** Where the explorer page is served. */
export const EXPLORER_PATH = '/explorer';

const require = createRequire(import.meta.url);

/** The files the page loads, by the name it loads them under, and where npm put them. */
function assetFiles(): Record<string, { file: string; type: string }> {
  const packageDir = (name: string) => {
    try {
      return dirname(require.resolve(`${name}/package.json`));
    } catch {
      throw new Error(`the explorer needs the ${name} package: npm install (it is a devDependency), or set GRAPHQL_EXPLORER=false`);
    }
  };
  const js = 'text/javascript; charset=utf-8';
  return {
    'react.production.min.js': { file: join(packageDir('react'), 'umd/react.production.min.js'), type: js },
    'react-dom.production.min.js': { file: join(packageDir('react-dom'), 'umd/react-dom.production.min.js'), type: js },
    'graphiql.min.js': { file: join(packageDir('graphiql'), 'graphiql.min.js'), type: js },
    'graphiql.min.css': { file: join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css; charset=utf-8' },
  };
}

/** The page: every script and style from the gateway's own origin. */
function page(graphqlPath: string, names: string[]): string {
  const scripts = names.filter((n) => n.endsWith('.js')).map((n) => `<script src="${EXPLORER_PATH}/${n}"></script>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GraphiQL</title>
<style>body { margin: 0; } #graphiql { height: 100vh; }</style>
<link rel="stylesheet" href="${EXPLORER_PATH}/graphiql.min.css">
${scripts.join('\n')}
</head>
<body>
<div id="graphiql">Loading...</div>
<script>
  const fetcher = GraphiQL.createFetcher({ url: ${JSON.stringify(graphqlPath)} });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }));
</script>
</body>
</html>
`;
}

/**
 * The explorer: the page and its four assets as routes, read once (they never change while running), and
 * the page for a browser opening the GraphQL endpoint itself (a GET asking for HTML, with no GraphQL
 * request in it), as Apollo Router and Hive Gateway do.
 */
export const explorer = (graphqlPath: string) => {
  const assets = assetFiles();
  const html = page(graphqlPath, Object.keys(assets));
  return defineFeature({
    name: 'explorer',
    routes: explorerRoutes(assets, html),
    async around(request, next) {
      const { http } = request;
      if (http.method !== 'GET' || !prefersHtml(http.headers[Headers.accept]) || asksGraphQL(http.search)) return next(request);
      return { status: 200, headers: new HeaderMap([[Headers.contentType, 'text/html; charset=utf-8']]), body: { kind: 'complete', string: html } };
    },
  });
};

/** Whether a GET carries a GraphQL request (then it is one, whatever it accepts). */
const asksGraphQL = (search: string) => {
  const params = new URLSearchParams(search);
  return params.has('query') || params.has('documentId') || params.has('extensions');
};

function explorerRoutes(assets: ReturnType<typeof assetFiles>, html: string): RawRoute[] {
  const routes: RawRoute[] = Object.entries(assets).map(([name, { file, type }]) => {
    const body = readFileSync(file);
    return {
      method: 'GET',
      path: `${EXPLORER_PATH}/${name}`,
      handle: (_req, res) => void res.writeHead(200, { 'content-type': type, 'cache-control': 'public, max-age=86400' }).end(body),
    };
  });
  routes.push({ method: 'GET', path: EXPLORER_PATH, handle: (_req, res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html) });
  return routes;
}
