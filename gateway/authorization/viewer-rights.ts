/**
 * What a viewer may see, in the terms of the authorization directives: the scopes of their session and
 * the platform's named policies. Every decision is made here, from the verified viewer and the viewer's
 * merchant identities (the same ones identity injection reads), never from anything the request says.
 *
 * Scopes of a session (`@requiresScopes`): `app:platform` for a session opened in one of the platform's
 * own apps (its mini-program or official account), `app:merchant` and `app:merchant:<merchantId>` for one
 * opened in a merchant's mini-program, and `app:<appId>` for the app itself. An anonymous request has none.
 *
 * Policies (`@policy`), about the merchant owning the subgraph that resolves the field:
 * - `merchant-identity`: the viewer has an identity of that merchant (MERCHANT_IDENTITY_NOT_LINKED otherwise);
 * - `disclosure-consent`: the viewer's OpenID may be given to that merchant: linked, and consent granted
 *   where the merchant requires it (CONSENT_REQUIRED otherwise; MERCHANT_IDENTITY_NOT_LINKED unlinked).
 * A policy needs a logged-in viewer: anonymous requests are UNAUTHORIZED_FIELD_OR_TYPE.
 */
import type { MerchantConfig } from '../../platform/config/platform-config.js';
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import type { ErrorCode } from '../../platform/errors.js';
import type { MerchantIdentities } from '../identity-directory.js';
import type { Viewer } from '../viewer.js';
import type { Alternatives, Requirement } from './supergraph-requirements.js';

/** Why a field is removed: the error its path answers with. */
export interface Denial {
  code: ErrorCode;
  message: string;
  extensions?: Readonly<Record<string, string>>;
}

export const UNAUTHORIZED_FIELD_OR_TYPE: ErrorCode = 'UNAUTHORIZED_FIELD_OR_TYPE';

/** The policies the platform evaluates, by the name a subgraph writes in `@policy`. */
export const POLICIES = ['merchant-identity', 'disclosure-consent'] as const;

const unauthorized: Denial = { code: UNAUTHORIZED_FIELD_OR_TYPE, message: 'You are not authorized to see this field.' };

export interface ViewerRights {
  readonly viewer: Viewer | undefined;
  readonly scopes: ReadonlySet<string>;
  /** The viewer's merchant identities (loaded only when a policy needs them). */
  readonly identities: MerchantIdentities | undefined;
}

/** The scopes of `viewer`'s session. */
export function sessionScopes(platform: PlatformIndex | undefined, viewer: Viewer | undefined): Set<string> {
  if (!viewer || !platform) return new Set();
  const merchant = platform.merchantByApp(viewer.appId);
  return new Set(merchant ? ['app:merchant', `app:merchant:${merchant.id}`, `app:${viewer.appId}`] : ['app:platform', `app:${viewer.appId}`]);
}

/** Whether `requirement` needs the viewer's merchant identities to be decided. */
export const needsIdentities = (requirement: Requirement) => requirement.policies.length > 0;

/** The denial of `requirement` for these rights, or undefined when the viewer may see the field. */
export function decide(platform: PlatformIndex | undefined, requirement: Requirement, rights: ViewerRights): Denial | undefined {
  if (requirement.authenticated && !rights.viewer) return unauthorized;
  for (const alternatives of requirement.scopes) {
    if (!someHolds(alternatives, (scope) => (rights.scopes.has(scope) ? undefined : unauthorized))) continue;
    return unauthorized;
  }
  if (requirement.policies.length === 0) return undefined;
  if (!rights.viewer || !platform) return unauthorized;
  const merchants = requirement.subgraphs.map((name) => platform.merchantBySubgraph(name));
  // A merchant policy on a field no merchant resolves (the identity subgraph's) cannot hold.
  if (merchants.length === 0 || merchants.some((m) => !m)) return unauthorized;
  for (const alternatives of requirement.policies) {
    const denial = someHolds(alternatives, (policy) => policyDenial(policy, merchants as MerchantConfig[], rights));
    if (denial) return denial;
  }
  return undefined;
}

/** Undefined when some alternative has every item hold; else the first alternative's first denial. */
function someHolds(alternatives: Alternatives, denialOf: (item: string) => Denial | undefined): Denial | undefined {
  if (alternatives.length === 0) return undefined;
  let first: Denial | undefined;
  for (const all of alternatives) {
    let denied: Denial | undefined;
    for (const item of all) {
      denied = denialOf(item);
      if (denied) break;
    }
    if (!denied) return undefined;
    first ??= denied;
  }
  return first;
}

function policyDenial(policy: string, merchants: readonly MerchantConfig[], rights: ViewerRights): Denial | undefined {
  for (const merchant of merchants) {
    const identity = rights.identities?.get(merchant.id);
    const notLinked: Denial = {
      code: 'MERCHANT_IDENTITY_NOT_LINKED',
      message: `You have no ${merchant.name} identity linked to your account yet.`,
      extensions: { merchantId: merchant.id },
    };
    if (policy === 'merchant-identity') {
      if (!identity) return notLinked;
    } else if (policy === 'disclosure-consent') {
      if (!identity) return notLinked;
      const ownApp = rights.viewer?.appId === merchant.appId;
      if (merchant.disclosureConsent?.required && !identity.consented && !ownApp) {
        return {
          code: 'CONSENT_REQUIRED',
          message: `You have not agreed to the platform giving ${merchant.name} your ${merchant.name} ID yet.`,
          extensions: { merchantId: merchant.id },
        };
      }
    } else return unauthorized;
  }
  return undefined;
}
