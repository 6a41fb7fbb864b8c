/**
 * The live room's system: the embedded MongoDB server, ACME's real coupons subgraph as its own process
 * (`run-merchant-process.ts coupons`, as `npm run start:coupons` runs it), the demo identity and products
 * subgraphs with fixed answers (bench/subgraphs/serve.ts), logged-in viewers who consented to ACME seeing
 * their OpenID, one coupon with stock enough for every claim, and this gateway with the platform config
 * (identity injection), as scenarios a and e run it.
 */
import { decodeJwt } from 'jose';
import mongoose from 'mongoose';
import { startMongoDevServer, type MongoDevServer } from '../../dev/mongo/server.js';
import { identityModels } from '../../platform/identity-store/models.js';
import { benchSecrets, seedViewers } from '../fixtures.js';
import { compose, launchTarget, track, type Target } from '../gateways.js';
import { firstJsonLine, freePort, start, waitForGraphQL, type Running } from '../processes.js';
import { DEMO_STATIC_SUBGRAPHS } from '../subgraphs/demo-static.js';

export const COUPON_ID = 'live-room';
const COUPONS_DB = 'bench_live_coupons';
const IDENTITY_DB = 'bench_live_identity';
/** The merchant whose subgraph serves the coupon (platform/config/demo-platform.json). */
const ACME = 'acme';

export interface LiveRoomSystem {
  mongo: MongoDevServer;
  secrets: ReturnType<typeof benchSecrets>;
  coupons: Running;
  supergraph: string;
  /** `ours-injection`. */
  gateway: Target;
  /** Access tokens of distinct logged-in viewers, each linked to ACME and consenting to its disclosure. */
  tokens: string[];
  /** The coupon's stock now (read from the coupons database). */
  stock(): Promise<number>;
  close(): Promise<void>;
}

export interface LiveRoomSetup {
  viewers: number;
  stock: number;
  /** Client sockets the gateway must accept from this one address (SOCKETS_PER_ADDRESS). */
  socketsPerAddress: number;
}

/** Starts everything the live room needs; `close()` stops it all. */
export async function startLiveRoom(setup: LiveRoomSetup): Promise<LiveRoomSystem> {
  const mongo = await startMongoDevServer();
  const secrets = benchSecrets();
  const couponsDb = await mongoose.createConnection(mongo.uri(COUPONS_DB)).asPromise();
  const coupons = couponsDb.collection<{ _id: string; title: string; discountCents: number; stock: number; version: number }>('coupons');
  await coupons.insertOne({ _id: COUPON_ID, title: 'The live room drop', discountCents: 500, stock: setup.stock, version: 0 });

  const viewers = await seedViewers(mongo.uri(IDENTITY_DB), setup.viewers);
  // Viewers in the platform's own mini-program: ACME gets their ACME OpenID only with their consent
  // (the demo config requires it), as claimCoupon and claimedByMe need.
  const identityDb = await mongoose.createConnection(mongo.uri(IDENTITY_DB)).asPromise();
  const grantedAt = new Date();
  await identityModels(identityDb).Consent.insertMany(
    viewers.tokens.map((token) => ({ userId: decodeJwt(token).sub!, purpose: 'MERCHANT_DISCLOSURE', merchantId: ACME, noticeVersion: '2026-01', grantedAt })),
  );
  await identityDb.close();

  const demo = track(start('demo-subgraphs', 'bench/subgraphs/serve.ts', ['demo'], {}));
  const urls = await firstJsonLine<Record<string, string>>(demo);
  const platformEnv = { ...secrets.env, PLATFORM_CONFIG: secrets.configPath, MONGODB_URI: mongo.uri() };
  const couponsPort = await freePort();
  const couponsProcess = track(
    start('coupons', 'subgraphs/merchant-process/run-merchant-process.ts', ['coupons'], {
      ...platformEnv,
      MONGODB_DB: COUPONS_DB,
      HOST: '127.0.0.1',
      PORT: String(couponsPort),
      LOG_LEVEL: 'warn',
    }),
  );
  const couponsUrl = `http://127.0.0.1:${couponsPort}/graphql`;
  await waitForGraphQL(couponsProcess, couponsUrl);

  const { supergraph } = compose('live-room', DEMO_STATIC_SUBGRAPHS, { ...urls, coupons: couponsUrl });
  const port = await freePort();
  const gateway = await launchTarget(
    'ours-injection',
    'gateway/main.ts',
    [],
    {
      ...platformEnv,
      MONGODB_DB: IDENTITY_DB,
      IDENTITY_URL: viewers.jwksOrigin,
      SUPERGRAPH: supergraph,
      PORT: String(port),
      // Every benchmark socket comes from 127.0.0.1; the default (100 per address) stands for phones behind one NAT.
      SOCKETS_PER_ADDRESS: String(setup.socketsPerAddress),
    },
    port,
  );

  return {
    mongo,
    secrets,
    coupons: couponsProcess,
    supergraph,
    gateway,
    tokens: viewers.tokens,
    stock: async () => (await coupons.findOne({ _id: COUPON_ID }))!.stock,
    close: async () => {
      await gateway.process?.stop();
      await couponsProcess.stop();
      await demo.stop();
      await viewers.close();
      await couponsDb.close();
      await mongo.close();
    },
  };
}
