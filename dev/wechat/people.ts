/**
 * Simulated WeChat people. An OpenID is stable per (app, person) and a UnionID per (Open Platform
 * account, person), both 28 characters like WeChat's, derived by HMAC so they never collide by accident.
 */
import { createHmac } from 'node:crypto';

const DERIVATION_KEY = 'identity-federation-gateway wechat simulator';

function derive(kind: string, scope: string, person: string): string {
  const digest = createHmac('sha256', DERIVATION_KEY).update(`${kind}\0${scope}\0${person}`).digest('base64url');
  return `o${digest.slice(0, 27)}`;
}

export const openIdOf = (appId: string, person: string): string => derive('openid', appId, person);
export const unionIdOf = (openPlatform: string, person: string): string => derive('unionid', openPlatform, person);
