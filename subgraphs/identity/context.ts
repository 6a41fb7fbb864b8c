/** The identity subgraph's typed request context, with per-request loaders (one store query per batch). */
import DataLoader from 'dataloader';
import type { NewSessionReport } from '../../platform/identity/access-token.js';
import type { IdentityClaims } from '../kit/identity-assertion.js';
import type { IdentityDoc } from '../../platform/identity-store/models.js';
import { unauthenticated } from '../../platform/errors.js';
import type { Consents } from './consents.js';
import type { IdentityStore } from './identity-store.js';
import type { LinkingFlows } from './linking-flows.js';
import type { LoginService } from './login.js';
import type { SessionService } from './sessions.js';

/** The viewer as the gateway asserted it. */
export interface IdentityViewer {
  userId: string;
  /** The app the session logged in from. */
  appId: string;
  /** The session family. */
  sessionId: string;
}

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
  /** Public URL of the bridge start page. */
  bridgeStartUrl(nonce: string): string;
  /** Sessions this request started, reported to the gateway in the response extensions. */
  newSessions: NewSessionReport[];
  loaders: {
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
  bridgeStartUrl(nonce: string): string;
}

export function buildIdentityContext(services: IdentityServices, claims: IdentityClaims | undefined, requestId: string): IdentityContext {
  const { store } = services;
  const viewer = claims?.uid ? { userId: claims.uid, appId: claims.sapp ?? '', sessionId: claims.sid ?? '' } : undefined;
  const rootUser = new DataLoader<string, string>(async (ids) => {
    const roots = await store.rootsOf(ids);
    return ids.map((id) => roots.get(id) ?? id);
  });
  return {
    requestId,
    viewer,
    requireViewer: async () => {
      if (!viewer) throw unauthenticated();
      return { ...viewer, userId: await rootUser.load(viewer.userId) };
    },
    login: services.login,
    sessions: services.sessions,
    linking: services.linking,
    consents: services.consents,
    bridgeStartUrl: services.bridgeStartUrl,
    newSessions: [],
    loaders: {
      rootUser,
      userExists: new DataLoader(async (ids) => {
        const existing = await store.existingUserIds(ids);
        return ids.map((id) => existing.has(id));
      }),
      identitiesOfUser: new DataLoader(async (ids) => {
        const byUser = await store.identitiesOfUsers(ids);
        return ids.map((id) => byUser.get(id) ?? []);
      }),
    },
  };
}
