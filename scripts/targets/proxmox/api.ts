// A small Proxmox VE API client: token auth, TLS as configured, answers unwrapped from {"data": …}.
// The token is sent, never printed: errors name the endpoint and the call, not the header.
import { request } from 'node:https';
import { LabError } from '../../../lab/errors.ts';
import { CALLS, type CallName } from './calls.ts';

export interface ProxmoxApi {
  call<T = unknown>(
    name: CallName,
    path?: Record<string, string | number>,
    params?: Record<string, string | number>,
  ): Promise<T>;
}

export interface ApiOptions {
  readonly endpoint: string;
  readonly insecure: boolean;
  /** `user@realm!tokenid=uuid`, from PROXMOX_VE_API_TOKEN. */
  readonly token: string;
  readonly timeoutMs?: number;
}

export function tokenFromEnv(env = process.env): string {
  const token = env.PROXMOX_VE_API_TOKEN;
  if (!token)
    throw new LabError(
      'E_TOKEN',
      'PROXMOX_VE_API_TOKEN is not set',
      "export PROXMOX_VE_API_TOKEN='user@realm!tokenid=uuid' (Datacenter › Permissions › API Tokens)",
    );
  if (!/^[^@\s]+@[^!\s]+![^=\s]+=\S+$/.test(token))
    throw new LabError(
      'E_TOKEN',
      'PROXMOX_VE_API_TOKEN is not of the form user@realm!tokenid=uuid',
      'copy the token ID and its secret, joined by "="',
    );
  return token;
}

export function fillPath(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => {
    if (values[k] === undefined) throw new Error(`${template}: no value for {${k}}`);
    return encodeURIComponent(String(values[k]));
  });
}

/** The API answered with an error status: 5xx may pass (a guest agent not running yet), 4xx is the request's fault. */
export class ApiError extends LabError {
  constructor(
    readonly status: number,
    message: string,
    hint?: string,
  ) {
    super('E_API', message, hint);
  }
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function createApi(options: ApiOptions): ProxmoxApi {
  return {
    call<T>(
      name: CallName,
      pathValues?: Record<string, string | number>,
      params: Record<string, string | number> = {},
    ): Promise<T> {
      const { method, path } = CALLS[name];
      return apiRequest<T>(options, method, fillPath(path, pathValues), params);
    },
  };
}

/** One request to the API, its `data` on success; every failure named with its fix. The calls the
 *  toolkit makes go through createApi; the VM stand-ins also make the provider's (PROVIDER_CALLS). */
/** What an answer means: its data, or the error that names the fix (pve-http-server's status codes). */
function answerOf<T>(
  options: ApiOptions,
  method: string,
  path: string,
  status: number,
  statusText: string,
  text: string,
): T {
  if (status === 401)
    throw new LabError(
      'E_AUTH',
      `${options.endpoint} rejected the API token (401)`,
      'check PROXMOX_VE_API_TOKEN: user@realm!tokenid=uuid, not expired',
    );
  if (status === 403)
    throw new LabError(
      'E_FORBIDDEN',
      `${method} ${path}: permission denied (403)`,
      'give the token the privileges that the preflight lists',
    );
  if (status >= 400) throw new ApiError(status, `${method} ${path}: ${status} ${statusText}`.trim());
  try {
    return (JSON.parse(text) as { data: T }).data;
  } catch {
    throw new ApiError(
      status,
      `${method} ${path}: not a Proxmox API answer`,
      'is proxmox.endpoint the API (https://host:8006/)?',
    );
  }
}

/** Why no answer came: an untrusted certificate, or nothing reachable at the endpoint. */
function unreachable(options: ApiOptions, err: NodeJS.ErrnoException): LabError {
  return err.code && TLS_CODES.has(err.code)
    ? new LabError(
        'E_TLS',
        `${options.endpoint}: TLS certificate not trusted (${err.code})`,
        'install the Proxmox CA on this machine, or set proxmox.insecure: true for a self-signed certificate',
      )
    : new LabError(
        'E_UNREACHABLE',
        `cannot reach ${options.endpoint}: ${err.code ?? err.message}`,
        'check proxmox.endpoint and that this machine reaches port 8006',
      );
}

export function apiRequest<T>(
  options: ApiOptions,
  method: string,
  pathname: string,
  params: Record<string, string | number> = {},
): Promise<T> {
  const base = new URL(options.endpoint);
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  const url = new URL(`/api2/json${pathname}${method === 'GET' && query ? `?${query}` : ''}`, base);
  const body = method === 'GET' ? undefined : query;
  return new Promise<T>((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        rejectUnauthorized: !options.insecure,
        timeout: options.timeoutMs ?? 10_000,
        // pve-http-server reads a body only by its Content-Length and answers 501 to a chunked one
        // (src/PVE/APIServer/AnyEvent.pm process_header): the length is always sent.
        headers: {
          Authorization: `PVEAPIToken=${options.token}`,
          ...(body !== undefined
            ? {
                'Content-Type': 'application/x-www-form-urlencoded',
                'Content-Length': String(Buffer.byteLength(body)),
              }
            : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          try {
            resolve(answerOf<T>(options, method, url.pathname, res.statusCode ?? 0, res.statusMessage ?? '', text));
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => reject(unreachable(options, err)));
    req.end(body);
  });
}
