/**
 * The console's server-rendered pages: plain HTML forms, one stylesheet served by the console itself (no
 * CDN, works offline), labelled fields, real buttons, a skip link and tables with headers, so everything
 * works with the keyboard and a screen reader. Every form that changes something carries the CSRF token.
 */
import { html, type Html } from './html.js';
import type { OperatorSession } from './operator-sessions.js';
import type { Dashboard } from './user-lookup.js';

export const STYLESHEET_PATH = '/console.css';

export const STYLESHEET = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f6f4}
header{background:#243447;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}header form{display:inline}
main{max-width:72rem;margin:1rem auto;padding:0 1.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem;background:#fff}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
caption{text-align:left;font-weight:600;padding:.3rem 0}
label{display:block;font-weight:600;margin:.5rem 0 .2rem}
input{font:inherit;padding:.3rem}button{font:inherit;padding:.3rem .8rem;cursor:pointer}
button.danger{background:#a4161a;color:#fff;border:1px solid #6a040f}
:focus-visible{outline:3px solid #f4a261;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;color:#000;padding:.3rem}
.notice{background:#e9f5db;border:1px solid #90be6d;padding:.5rem}.error{background:#fde2e4;border:1px solid #e5989b;padding:.5rem}
.actions form{display:inline-block;margin:0 .5rem .5rem 0}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:600}
`;

export const csrfField = (session: OperatorSession) => html`<input type="hidden" name="_csrf" value="${session.csrf}" />`;

/** Shows enough of an OpenID to compare by eye, not enough to use. */
export const maskOpenId = (openId: string) => `${openId.slice(0, 3)}…${openId.slice(-2)}`;

export function layout(title: string, body: Html, session?: OperatorSession): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Operator console</title>
        <link rel="stylesheet" href="${STYLESHEET_PATH}" />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <strong>Operator console</strong>
          ${
            session
              ? html`<nav aria-label="Console"><a href="/">Dashboard</a></nav>
                  <form method="get" action="/search" role="search">
                    <label for="q" style="display:inline;color:#fff">Find user</label> <input id="q" name="q" placeholder="user id, OpenID or UnionID" />
                    <button type="submit">Find</button>
                  </form>
                  <span>${session.operator.name} (${session.operator.role})</span>
                  <form method="post" action="/logout">${csrfField(session)}<button type="submit">Log out</button></form>`
              : ''
          }
        </header>
        <main id="main">
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

export function loginPage(csrf: string, error?: string): Html {
  return layout(
    'Log in',
    html`${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <form method="post" action="/login">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <label for="operator">Operator id</label><input id="operator" name="operator" autocomplete="username" required /> <label for="password">Password</label
        ><input id="password" name="password" type="password" autocomplete="current-password" required />
        <p><button type="submit">Log in</button></p>
      </form>`,
  );
}

export function dashboardPage(session: OperatorSession, d: Dashboard): Html {
  return layout(
    'Dashboard',
    html`<dl>
        <dt>Users</dt>
        <dd data-testid="users">${d.users}</dd>
        <dt>Refused merges (IDENTITY_CONFLICT)</dt>
        <dd data-testid="refused-merges">${d.refusedMerges}</dd>
        <dt>Erasure notices pending delivery</dt>
        <dd data-testid="pending-notices">${d.pendingErasureNotices}</dd>
      </dl>
      <table>
        <caption>
          Merchant links by route
        </caption>
        <thead>
          <tr>
            <th scope="col">Route</th>
            <th scope="col">Links</th>
          </tr>
        </thead>
        <tbody>
          ${d.linksByRoute.map(
            (r) =>
              html`<tr>
                <td>${r.route}</td>
                <td>${r.count}</td>
              </tr>`,
          )}
        </tbody>
      </table>`,
    session,
  );
}

export function searchPage(session: OperatorSession, query: string, userIds: string[]): Html {
  return layout(
    'Find a user',
    html`<p>${userIds.length} user(s) for <code>${query}</code></p>
      <ul>
        ${userIds.map((id) => html`<li><a href="/users/${encodeURIComponent(id)}">${id}</a></li>`)}
      </ul>`,
    session,
  );
}

/** Step two of erasure: the operator types the user id to confirm. */
export function erasePage(session: OperatorSession, userId: string, error?: string): Html {
  return layout(
    'Erase account',
    html`${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <p>
        This deletes user <code>${userId}</code>, their identities, sessions, consents and bridge data, and tells each merchant that received an OpenID to erase
        it. It cannot be undone.
      </p>
      <form method="post" action="/users/${encodeURIComponent(userId)}/erase">
        ${csrfField(session)} <label for="confirm">Type the user id to confirm</label><input id="confirm" name="confirm" autocomplete="off" required />
        <p><button type="submit" class="danger">Erase permanently</button> <a href="/users/${encodeURIComponent(userId)}">Cancel</a></p>
      </form>`,
    session,
  );
}

export function messagePage(title: string, message: string, session?: OperatorSession): Html {
  return layout(
    title,
    html`<p role="alert">${message}</p>
      <p><a href="/">Back to the dashboard</a></p>`,
    session,
  );
}
