/**
 * Hide the credentials of a URL (or URL template) for messages and output: the password, or the
 * whole user part when there is no password (it may itself be a token).
 * `postgres://app:secret@db/x` → `postgres://app:***@db/x`; `https://TOKEN@host/{key}` → `https://***@host/{key}`.
 */
export function redactUrl(url: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i,
    (_match, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return `${scheme}${colon < 0 ? '***' : `${userinfo.slice(0, colon)}:***`}@`;
    },
  );
}
