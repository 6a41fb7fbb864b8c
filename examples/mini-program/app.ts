/** The platform mini-program: one client for every page. */
import { createPlatformClient } from './config.js';
import type { Client } from 'identity-federation-client';

export interface PlatformApp {
  globalData: { client: Client };
}

App<PlatformApp>({ globalData: { client: createPlatformClient(wx) } });
