/** The identity subgraph's typed request context, with per-request loaders (one store query per batch). */
import DataLoader from 'dataloader';
import type { NewSessionReport } from '../../platform/identity/access-token.js';
import type { IdentityClaims } from '@identity-federation-gateway/subgraph-kit';
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import type { ConsentDoc, DisclosureDoc, IdentityDoc } from '../../platform/identity-store/models.js';
import { unauthenticated } from '../../platform/errors.js';
import type { Consents } from './consents.js';
import type { IdentityStore } from './identity-store.js';
import type { IdentityViewer } from './identity-viewer.js';
import type { LinkingFlows } from './linking-flows.js';
import type { LoginService } from './login.js';
import type { PrivacyRights } from './privacy-rights.js';
import type { SessionService } from './sessions.js';

export interface IdentityContext {
  requestId: string;
  /** The viewer as asserted; use requireViewer() for the user they are now (after merges). */
  viewer: IdentityViewer | undefined;
  /** The logged-in viewer, with userId resolved through merges to the surviving user; UNAUTHENTICATED otherwise. */
  requireViewer(): Promise<IdentityViewer>;
  login: LoginService;
  sessions: SessionService;
  linking: LinkingFlows;
  consents: Consents;
  privacy: PrivacyRights;
  platform: PlatformIndex;
  /** Public URL of the bridge start page. */
  bridgeStartUrl(nonce: string): string;
  /** Sessions this request started, reported to the gateway in the response extensions. */
  newSessions: NewSessionReport[];
  loaders: {
    /** When each merchant was first and last given the user's OpenID. */
    disclosuresOfUser: DataLoader<string, DisclosureDoc[]>;
    /** Every consent of the user, withdrawn ones included. */
    consentsOfUser: DataLoader<string, ConsentDoc[]>;
    /** The surviving user of a user id (itself unless merged). */
    rootUser: DataLoader<string, string>;
    userExists: DataLoader<string, boolean>;
    identitiesOfUser: DataLoader<string, IdentityDoc[]>;
  };
}

export interface IdentityServices {
  store: IdentityStore;
  login: LoginService;
  sessions: SessionService;
  linking: LinkingFlows;
  consents: Consents;
  privacy: PrivacyRights;
  platform: PlatformIndex;
  bridgeStartUrl(nonce: string): string;
}

export function buildIdentityContext(services: IdentityServices, claims: IdentityClaims | undefined, requestId: string): IdentityContext {
  const { store } = services;
  const viewer = claims?.uid ? { userId: claims.uid, appId: claims.sapp ?? '', sessionId: claims.sid ?? '' } : undefined;
  const rootUser = new DataLoader<string, string>(async (ids) => {
    const roots = await store.rootsOf(ids);
    return ids.map((id) => roots.get(id) ?? id);
  });
  const userExists = new DataLoader<string, boolean>(async (ids) => {
    const existing = await store.existingUserIds(ids);
    return ids.map((id) => existing.has(id));
  });
  return {
    requestId,
    viewer,
    requireViewer: async () => {
      if (!viewer) throw unauthenticated();
      const userId = await rootUser.load(viewer.userId);
      // A deleted account's access tokens outlive it by minutes at most; they find nobody.
      if (!(await userExists.load(userId))) throw unauthenticated('This account no longer exists.');
      return { ...viewer, userId };
    },
    login: services.login,
    sessions: services.sessions,
    linking: services.linking,
    consents: services.consents,
    privacy: services.privacy,
    platform: services.platform,
    bridgeStartUrl: services.bridgeStartUrl,
    newSessions: [],
    loaders: {
      rootUser,
      userExists,
      consentsOfUser: new DataLoader((ids) => Promise.all(ids.map((id) => services.consents.ofUser(id)))),
      disclosuresOfUser: new DataLoader(async (ids) => {
        const byUser = await store.disclosuresOfUsers(ids);
        return ids.map((id) => byUser.get(id) ?? []);
      }),
      identitiesOfUser: new DataLoader(async (ids) => {
        const byUser = await store.identitiesOfUsers(ids);
        return ids.map((id) => byUser.get(id) ?? []);
      }),
    },
  };
}
