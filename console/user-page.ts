/** The user page: everything the platform holds about one person, and the actions the operator's role allows. */
import type { AuditEventDoc, IdentityDoc, MergeDoc } from '../platform/identity-store/models.js';
import type { DataExport } from '../subgraphs/identity/privacy-api.js';
import { html, type Html, type Part } from './html.js';
import type { OperatorSession } from './operator-sessions.js';
import { csrfField, layout, maskOpenId } from './pages.js';

export interface UserPageData {
  userId: string;
  record: DataExport;
  identities: IdentityDoc[];
  merges: MergeDoc[];
  trail: AuditEventDoc[];
  /** The identity whose OpenID the operator chose to reveal (audited). */
  revealed?: string;
  message?: string;
}

const when = (value: string | Date | null | undefined) => (value ? new Date(value).toISOString().replace('T', ' ').slice(0, 19) : '—');

/** One section of the page: a heading and a table with column headers, one row per item. */
function section(id: string, title: string, columns: string[], rows: Part[][]): Html {
  return html`<section aria-labelledby="${id}">
    <h2 id="${id}">${title}</h2>
    <table data-testid="${id}">
      <thead>
        <tr>
          ${columns.map((c) => html`<th scope="col">${c}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (cells) =>
            html`<tr>
              ${cells.map((cell) => html`<td>${cell}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

export function userPage(session: OperatorSession, page: UserPageData): Html {
  const { record, userId } = page;
  const may = session.operator.role === 'privacy';
  const base = `/users/${encodeURIComponent(userId)}`;
  const action = (path: string, label: string, extra: Html | string = '') =>
    html`<form method="post" action="${base}/${path}">${csrfField(session)}${extra}<button type="submit">${label}</button></form>`;
  const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}" />`;
  const openId = (i: IdentityDoc) =>
    page.revealed === String(i._id)
      ? html`<code data-testid="revealed-openid">${i.openId}</code>`
      : html`<code>${maskOpenId(i.openId)}</code> ${action('reveal', 'Reveal', hidden('identity', String(i._id)))}`;
  const appName = (appId: string) => record.identities.find((e) => e.appId === appId)?.appName ?? appId;
  const disclosed = (merchantId: string) => record.disclosures.find((d) => d.merchantId === merchantId);
  return layout(
    `User ${userId}`,
    html`${page.message ? html`<p class="notice" role="status">${page.message}</p>` : ''}
      ${section(
        'identities',
        'Identities per app',
        ['App', 'Merchant', 'OpenID', 'Route', 'Linked', 'Last login'],
        page.identities.map((i) => [
          html`${appName(i.appId)} <code>${i.appId}</code>`,
          i.merchantId ?? 'platform',
          openId(i),
          i.via,
          when(i.linkedAt),
          when(i.lastLoginAt),
        ]),
      )}
      ${section(
        'links',
        'Merchant links',
        ['Merchant', 'Route', 'Linked', 'First provided', 'Last provided', 'Action'],
        record.links.map((l) => [
          l.merchantId,
          l.route,
          when(l.linkedAt),
          when(disclosed(l.merchantId)?.firstProvidedAt),
          when(disclosed(l.merchantId)?.lastProvidedAt),
          may ? action('unlink', `Unlink ${l.merchantId}`, hidden('merchantId', l.merchantId)) : '—',
        ]),
      )}
      ${section(
        'consents',
        'Consent history',
        ['Purpose', 'Merchant', 'Notice version', 'Granted', 'Withdrawn'],
        record.consents.map((c) => [c.purpose, c.merchantId ?? '—', c.noticeVersion ?? '—', when(c.grantedAt), when(c.withdrawnAt)]),
      )}
      ${section(
        'sessions',
        'Sessions',
        ['App', 'Started', 'Last refreshed', 'Ended'],
        record.sessions.map((s) => [appName(s.appId), when(s.startedAt), when(s.lastRefreshedAt), when(s.endedAt)]),
      )}
      ${section(
        'merges',
        'Merges and refused merges',
        ['Merged user', 'Into', 'Route', 'Outcome', 'Reason'],
        page.merges.map((m) => [m._id, m.target, m.route, m.outcome === 'REFUSED' ? 'REFUSED (IDENTITY_CONFLICT)' : (m.outcome ?? m.step), m.reason ?? '']),
      )}
      ${section(
        'audit-trail',
        'Audit trail',
        ['When', 'Action', 'Route', 'Merchant', 'Reason', 'Operator'],
        page.trail.map((e) => [when(e.at), e.action, e.route ?? '', e.merchantId ?? '', e.reason ?? '', e.operatorId ?? '']),
      )}
      <section aria-labelledby="actions">
        <h2 id="actions">Actions</h2>
        ${
          may
            ? html`<div class="actions">
                ${action('export', 'Export data (JSON)')}${action('revoke-sessions', 'Revoke all sessions')}
                <form method="get" action="${base}/erase"><button type="submit" class="danger">Erase account…</button></form>
              </div>`
            : html`<p>Your role (support) can read only. Unlink, export, erase and revoking sessions need the privacy role.</p>`
        }
      </section>`,
    session,
  );
}
