/**
 * The official-account bridge's web pages, opened in a mini-program web-view. `start` sends the browser
 * to WeChat's silent snsapi_base authorisation with the one-time nonce as `state`; `callback` receives
 * the code. The pages trust nothing the client posts: the nonce, bound server-side to the identity that
 * started the flow, is the only link between the two requests.
 */
import type { RawRoute } from '@identity-federation-gateway/subgraph-kit';
import type { Logger } from '../../platform/logger.js';
import { isStoreUnreachable } from '../../platform/identity-store/unavailable.js';
import type { LinkingFlows } from './linking-flows.js';

export const BRIDGE_START_PATH = '/oa-bridge/start';
export const BRIDGE_CALLBACK_PATH = '/oa-bridge/callback';

export interface BridgeRouteOptions {
  flows: LinkingFlows;
  officialAccountAppId: string;
  /** WeChat's authorize host: https://open.weixin.qq.com in production, the simulator in development. */
  authorizeBase: string;
  /** This service's public origin (where WeChat redirects back to). */
  publicOrigin(): string;
  logger: Logger;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'",
  'referrer-policy': 'no-referrer',
};

const page = (message: string) =>
  `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${message}</title><p>${message}</p>`;

/** The store unreachable: a page saying to retry (503), not an error page, and nothing was consumed. */
const STORE_DOWN_PAGE = page('The service is busy. Go back and try again in a moment.');

/** Answers the store being unreachable with STORE_DOWN_PAGE; every other failure is the route's own. */
function storeOutagePage(handle: RawRoute['handle']): RawRoute['handle'] {
  return async (req, res, url) => {
    try {
      await handle(req, res, url);
    } catch (error) {
      if (!isStoreUnreachable(error) || res.headersSent) throw error;
      res.writeHead(503, { ...PAGE_HEADERS, 'retry-after': '5' }).end(STORE_DOWN_PAGE);
    }
  };
}

export function bridgeRoutes(options: BridgeRouteOptions): RawRoute[] {
  return [
    {
      method: 'GET',
      path: BRIDGE_START_PATH,
      handle: storeOutagePage(async (_req, res, url) => {
        const nonce = url.searchParams.get('nonce') ?? '';
        if (!(await options.flows.bridgeNonceUsable(nonce))) {
          res.writeHead(400, PAGE_HEADERS).end(page('This link has expired. Go back and try again.'));
          return;
        }
        const authorize = new URL('/connect/oauth2/authorize', options.authorizeBase);
        // WeChat checks the parameter order: appid, redirect_uri, response_type, scope, state.
        const redirect = encodeURIComponent(`${options.publicOrigin()}${BRIDGE_CALLBACK_PATH}`);
        const location = `${authorize.toString()}?appid=${options.officialAccountAppId}&redirect_uri=${redirect}&response_type=code&scope=snsapi_base&state=${nonce}#wechat_redirect`;
        res.writeHead(302, { location, 'cache-control': 'no-store' }).end();
      }),
    },
    {
      method: 'GET',
      path: BRIDGE_CALLBACK_PATH,
      handle: storeOutagePage(async (_req, res, url) => {
        const code = url.searchParams.get('code');
        const state = url.searchParams.get('state');
        if (!code || !state) {
          res.writeHead(400, PAGE_HEADERS).end(page('The authorisation did not complete.'));
          return;
        }
        try {
          const outcome = await options.flows.completeBridge(code, state);
          res.writeHead(outcome === 'REFUSED' ? 403 : 200, PAGE_HEADERS).end(page(outcome === 'REFUSED' ? 'Not linked.' : 'Done. You can go back.'));
        } catch (error) {
          if (isStoreUnreachable(error)) throw error;
          options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'bridge callback refused');
          res.writeHead(400, PAGE_HEADERS).end(page('This link has expired or was already used. Go back and try again.'));
        }
      }),
    },
  ];
}
