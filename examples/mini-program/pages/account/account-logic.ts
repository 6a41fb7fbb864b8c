/** The account page: linked merchants and consents, the official-account bridge, an assertion nonce for a merchant backend. */
import { CreateAssertionNonceDocument, GrantConsentDocument, MeDocument, WithdrawConsentDocument, type MeQuery } from '../../generated/graphql.js';
import type { Client } from 'identity-federation-client';

export async function loadAccount(client: Client): Promise<MeQuery['me']> {
  return (await client.request(MeDocument)).data?.me ?? null;
}

/** Consent to recognising the person through the platform's official account, then the web-view URL that does it. */
export async function startBridgeWithConsent(client: Client): Promise<string> {
  await client.request(GrantConsentDocument, { purpose: 'OFFICIAL_ACCOUNT_BRIDGE' });
  return client.startBridge();
}

export async function withdrawBridgeConsent(client: Client): Promise<boolean> {
  return !!(await client.request(WithdrawConsentDocument, { purpose: 'OFFICIAL_ACCOUNT_BRIDGE' })).data?.withdrawConsent;
}

/** A nonce for a merchant's backend to sign into its link assertion. */
export async function assertionNonce(client: Client, merchantId: string): Promise<string | undefined> {
  return (await client.request(CreateAssertionNonceDocument, { merchantId })).data?.createAssertionNonce.nonce;
}
