// Secrets come only from the environment. What a secret must be to work, and keeping it out of every
// message: a secret is checked, never shown.

/** Linux TCP_MD5SIG_MAXKEYLEN (include/uapi/linux/tcp.h): the longest TCP-MD5 key, in bytes. */
export const TCP_MD5_MAX_BYTES = 80;

/**
 * Why a BGP password cannot work, or undefined. FRR's `neighbor X password WORD` takes one word of
 * its config line (so no blank, no control character), the kernel takes at most 80 bytes, and the
 * same value is written into GoBGP's TOML and a Kubernetes Secret: printable ASCII only.
 */
export function bgpPasswordProblem(password: string): string | undefined {
  if (password.length === 0) return 'is empty';
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes > TCP_MD5_MAX_BYTES) return `is ${bytes} bytes, more than TCP-MD5 allows (${TCP_MD5_MAX_BYTES})`;
  if (/\s/.test(password)) return "holds a blank, which FRR's config line cannot carry";
  if (!/^[\x21-\x7e]+$/.test(password)) return 'holds a character outside printable ASCII';
  return undefined;
}

/** The provider's own secret variables; `bgp.passwordEnv` adds the lab's. */
export const PROVIDER_SECRET_ENV = ['PROXMOX_VE_API_TOKEN', 'PROXMOX_VE_SSH_PASSWORD', 'PROXMOX_VE_PASSWORD'] as const;

/** The variables whose values a lab keeps secret: the provider's, and the one bgp.passwordEnv names. */
export function secretEnvOf(config: { readonly bgp: { readonly passwordEnv?: string } }): string[] {
  return [...PROVIDER_SECRET_ENV, ...(config.bgp.passwordEnv ? [config.bgp.passwordEnv] : [])];
}

/** The text with the value of every named variable (and an API token's secret half) replaced. */
export function redact(text: string, names: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const values = [...new Set(names)].flatMap((name) => {
    const v = env[name];
    if (!v) return [];
    const half = v.includes('=') ? v.slice(v.indexOf('=') + 1) : undefined;
    return [v, ...(half ? [half] : [])];
  });
  return values
    .filter((v) => v.length >= 4)
    .sort((a, b) => b.length - a.length)
    .reduce((out, v) => out.split(v).join('‹secret›'), text);
}
