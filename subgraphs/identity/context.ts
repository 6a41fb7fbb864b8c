/** The identity subgraph's typed request context, with per-request loaders (one store query per batch). */
import DataLoader from 'dataloader';
import type { IdentityClaims } from '../../platform/identity/identity-assertion.js';
import type { IdentityDoc } from '../../platform/identity-store/models.js';
import type { IdentityStore } from './identity-store.js';
import type { LoginService } from './login.js';
import type { SessionService } from './sessions.js';

/** The viewer as the gateway asserted it. */
export interface IdentityViewer {
  userId: string;
  /** The app the session logged in from. */
  appId: string;
}

export interface IdentityContext {
  requestId: string;
  viewer: IdentityViewer | undefined;
  login: LoginService;
  sessions: SessionService;
  loaders: {
    userExists: DataLoader<string, boolean>;
    identitiesOfUser: DataLoader<string, IdentityDoc[]>;
  };
}

export interface IdentityServices {
  store: IdentityStore;
  login: LoginService;
  sessions: SessionService;
}

export function buildIdentityContext(services: IdentityServices, claims: IdentityClaims | undefined, requestId: string): IdentityContext {
  const { store } = services;
  return {
    requestId,
    viewer: claims?.uid ? { userId: claims.uid, appId: claims.sapp ?? '' } : undefined,
    login: services.login,
    sessions: services.sessions,
    loaders: {
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
