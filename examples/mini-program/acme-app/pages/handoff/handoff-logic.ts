/**
 * ACME's app opened from the platform app: log in with the handed-over link nonce, which links this ACME
 * identity to the person's platform account. Opened any other way, it simply logs in on first request.
 */
import { AcmeLinksDocument } from '../../generated/graphql.js';
import type { Client } from 'identity-federation-client';

export interface HandoffView {
  linked: boolean;
  linkedMerchants: string[];
}

export async function completeHandoff(client: Client): Promise<HandoffView> {
  const linked = await client.loginFromHandoff();
  const me = (await client.request(AcmeLinksDocument)).data?.me;
  return { linked, linkedMerchants: (me?.linkedMerchants ?? []).map((link) => link.merchantId) };
}
