import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { ServiceError, UserError } from '../errors';

/** How to reach Temporal; from TEMPORAL_* variables or the local services' state. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  /** Paths to a client certificate and key (mTLS), and optionally a CA; or `true` for plain TLS. */
  tls?: { clientCertPath?: string; clientKeyPath?: string; serverRootCaPath?: string } | true;
  /** Temporal Cloud API key (implies TLS). Never printed. */
  apiKey?: string;
}

/** Reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS(_CERT|_KEY|_CA) and TEMPORAL_API_KEY; undefined without an address. */
export function temporalTargetFromEnv(env = process.env): TemporalTarget | undefined {
  if (!env.TEMPORAL_ADDRESS) return undefined;
  const cert = env.TEMPORAL_TLS_CERT;
  const key = env.TEMPORAL_TLS_KEY;
  if (!!cert !== !!key) throw new UserError('set both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY for mTLS, or neither');
  const tls = cert
    ? { clientCertPath: cert, clientKeyPath: key, serverRootCaPath: env.TEMPORAL_TLS_CA }
    : env.TEMPORAL_TLS === '1' || env.TEMPORAL_TLS === 'true'
      ? true
      : undefined;
  return {
    address: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    tls,
    apiKey: env.TEMPORAL_API_KEY || undefined,
  };
}

function connectionOptions(t: TemporalTarget): ConnectionOptions & NativeConnectionOptions {
  const read = (p?: string) => (p ? readFileSync(p) : undefined);
  const tls =
    t.tls === true || (t.apiKey && !t.tls)
      ? true
      : t.tls
        ? {
            clientCertPair: t.tls.clientCertPath
              ? { crt: read(t.tls.clientCertPath)!, key: read(t.tls.clientKeyPath)! }
              : undefined,
            serverRootCACertificate: read(t.tls.serverRootCaPath),
          }
        : undefined;
  return { address: t.address, tls, apiKey: t.apiKey };
}

/** A client connection; a ServiceError naming the address (never the key) when unreachable. */
export async function connectClient(t: TemporalTarget): Promise<Client> {
  try {
    const connection = await Connection.connect({ ...connectionOptions(t), connectTimeout: '5s' });
    return new Client({ connection, namespace: t.namespace });
  } catch (err) {
    throw unreachable(t, err);
  }
}

/** A worker connection (native); see {@link connectClient}. */
export async function connectWorker(t: TemporalTarget): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(connectionOptions(t));
  } catch (err) {
    throw unreachable(t, err);
  }
}

function unreachable(t: TemporalTarget, err: unknown): ServiceError {
  const why = ((err as Error)?.message ?? String(err)).split('\n')[0];
  return new ServiceError(
    `cannot reach Temporal at ${t.address} (namespace ${t.namespace}): ${why}; check TEMPORAL_ADDRESS or run \`proxysweep services up\``,
  );
}
