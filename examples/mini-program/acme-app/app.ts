/** ACME's own mini-program. */
import { createAcmeClient } from '../config.js';
import type { Client } from '../lib/client.js';

export interface AcmeApp {
  globalData: { client: Client };
}

App<AcmeApp>({ globalData: { client: createAcmeClient(wx) } });
