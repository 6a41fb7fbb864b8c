/** ACME's own mini-program. */
import { createAcmeClient } from './config.js';
import type { Client } from 'identity-federation-client';

export interface AcmeApp {
  globalData: { client: Client };
}

App<AcmeApp>({ globalData: { client: createAcmeClient(wx) } });
