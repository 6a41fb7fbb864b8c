/**
 * The viewer as the gateway asserted it. Its own module because the request context and the services the
 * context holds (linking, sessions) both speak of the viewer: each imports this, not the other.
 */
export interface IdentityViewer {
  userId: string;
  /** The app the session logged in from. */
  appId: string;
  /** The session family. */
  sessionId: string;
}
