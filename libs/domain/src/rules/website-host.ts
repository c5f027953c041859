const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

/**
 * The host of a website as HubSpot stores company domains (R4 step 2): lower case, no scheme, no
 * `www.`, no user, port, path, query or fragment, no trailing dot. Null when nothing host-like is
 * left (blank, spaces inside, a single label such as `localhost`, an IP-less garbage string).
 */
export function normaliseWebsiteHost(website: string | null | undefined): string | null {
  if (website === null || website === undefined) return null;
  let s = website.trim().toLowerCase();
  if (s.length === 0) return null;
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/^\/\//, '');
  s = s.split(/[/?#\\]/, 1)[0] ?? '';
  const at = s.lastIndexOf('@');
  if (at >= 0) s = s.slice(at + 1);
  s = s.replace(/:\d*$/, '').replace(/\.$/, '');
  if (s.startsWith('www.')) s = s.slice(4);
  const labels = s.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  return s;
}
