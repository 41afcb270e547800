import { html } from './html';

/**
 * The sign-in page: a plain form (no script, so it works under the site's content security policy
 * and with scripts blocked), posting to /api/auth/sign-in, and a single sign-on button when configured.
 */
export function signInPage(opts: { next: string; error: string | null; singleSignOn: string | null; signedInAs: string | null }): string {
  const body = html`
<h1>Sign in to harmgrid</h1>
${opts.signedInAs ? html`<p class="note">Signed in as ${opts.signedInAs}. <a href="${opts.next}">Continue</a></p>` : ''}
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
${opts.singleSignOn ? html`<p><a class="button" href="/api/auth/oidc/start?next=${encodeURIComponent(opts.next)}">${opts.singleSignOn}</a></p><p class="note">or with a harmgrid account:</p>` : ''}
<form method="post" action="/api/auth/sign-in">
  <input type="hidden" name="next" value="${opts.next}">
  <label for="username">User name</label>
  <input id="username" name="username" autocomplete="username" required maxlength="200">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
  <button type="submit">Sign in</button>
</form>
<p class="note">Access is recorded. Use of harmgrid is limited to the data-sharing agreements your organisation has signed.</p>`;
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in – harmgrid</title><style>${STYLE}</style></head><body><main>${body.text}</main></body></html>`;
}

const STYLE = `
body { font: 16px/1.5 system-ui, "Noto Sans", "Segoe UI", Arial, sans-serif; color: #1a1a1a; max-width: 26rem; margin: 10vh auto; padding: 0 16px; }
h1 { font-size: 26px; } label { display: block; margin-top: 12px; font-weight: 600; }
input { display: block; width: 100%; box-sizing: border-box; font-size: 16px; padding: 8px; border: 2px solid #555; border-radius: 3px; }
input:focus, button:focus, a:focus { outline: 3px solid #fd0; outline-offset: 1px; }
button, a.button { display: inline-block; margin-top: 16px; font-size: 16px; padding: 8px 18px; background: #1d4f91; color: #fff; border: 0; border-radius: 3px; text-decoration: none; cursor: pointer; }
.error { background: #fbe3e1; border-left: 5px solid #b00020; padding: 6px 10px; } .note { color: #444; font-size: 14px; }
`;
