/**
 * The upstream's pages: minimal server-rendered HTML in German, the provider's name as the one `h1`, labels
 * on every field, the error named next to its field and in a summary (WCAG 2.1: 1.3.1, 3.3.1, 3.3.2).
 * No script, no external resource.
 */
const escapeHtml = (text: unknown): string =>
  String(text).replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

function layout(provider: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="de">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} – ${escapeHtml(provider)}</title></head>
<body>
<header><p>Beispiel-Anbieter für Tests und Vorführungen</p></header>
<main>
<h1>${escapeHtml(provider)}</h1>
${body}
</main>
</body>
</html>`;
}

export interface LoginPage {
  provider: string;
  uid: string;
  clientName: string;
  username?: string;
  failed?: boolean;
}

export function loginPage(page: LoginPage): string {
  const error = page.failed
    ? `<div role="alert" tabindex="-1"><h2>Es gibt ein Problem</h2><p><a href="#username">Benutzername oder Passwort ist falsch.</a></p></div>`
    : '';
  return layout(
    page.provider,
    page.failed ? 'Fehler: Anmelden' : 'Anmelden',
    `${error}<h2>Anmelden für ${escapeHtml(page.clientName)}</h2>
<form method="post" action="/interaction/${escapeHtml(page.uid)}/login">
<p><label for="username">Benutzername</label><br>
<input id="username" name="username" autocomplete="username" required value="${escapeHtml(page.username ?? '')}"${page.failed ? ' aria-invalid="true"' : ''}></p>
<p><label for="password">Passwort</label><br>
<input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Anmelden</button></p>
</form>
<form method="post" action="/interaction/${escapeHtml(page.uid)}/abort"><p><button type="submit">Abbrechen</button></p></form>`,
  );
}

/** German names of the standard claims (OIDC Core §5.1) as the consent page lists them. */
const CLAIM_LABELS: Record<string, string> = {
  given_name: 'Vorname',
  family_name: 'Nachname',
  name: 'Name',
  email: 'E-Mail-Adresse',
  email_verified: 'E-Mail-Adresse bestätigt',
  birthdate: 'Geburtsdatum',
  address: 'Anschrift',
  phone_number: 'Telefonnummer',
  locale: 'Sprache',
};

function claimValue(value: unknown): string {
  if (value === true) return 'ja';
  if (value === false) return 'nein';
  if (value && typeof value === 'object') {
    const address = value as Record<string, unknown>;
    if (typeof address.formatted === 'string') return address.formatted;
    const city = [address.postal_code, address.locality].filter(Boolean).join(' ');
    return [address.street_address, city, address.country].filter(Boolean).join(', ');
  }
  return String(value);
}

export interface ConsentPage {
  provider: string;
  uid: string;
  clientName: string;
  claims: Array<[name: string, value: unknown]>;
}

export function consentPage(page: ConsentPage): string {
  const items = page.claims.map(([name, value]) => `<dt>${escapeHtml(CLAIM_LABELS[name] ?? name)}</dt><dd>${escapeHtml(claimValue(value))}</dd>`).join('\n');
  return layout(
    page.provider,
    'Zustimmung',
    `<h2>${escapeHtml(page.clientName)} möchte folgende Daten erhalten:</h2>
${items ? `<dl>\n${items}\n</dl>` : '<p>Nur die Angabe, dass Sie sich angemeldet haben.</p>'}
<p>Mit „Zustimmen“ werden diese Daten an ${escapeHtml(page.clientName)} übermittelt.</p>
<form method="post" action="/interaction/${escapeHtml(page.uid)}/consent"><p><button type="submit">Zustimmen</button></p></form>
<form method="post" action="/interaction/${escapeHtml(page.uid)}/abort"><p><button type="submit">Ablehnen</button></p></form>`,
  );
}

/** oidc-provider's `logoutSource`: its form (with the xsrf field) plus the two answers (OIDC RP-Initiated Logout §2). */
export function logoutPage(provider: string, form: string, clientName: string | undefined): string {
  return layout(
    provider,
    'Abmelden',
    `<h2>Möchten Sie sich abmelden?</h2>
<p>${clientName ? `${escapeHtml(clientName)} hat Ihre Abmeldung angestoßen. ` : ''}Sie werden bei ${escapeHtml(provider)} und allen Diensten abgemeldet, bei denen Sie sich darüber angemeldet haben.</p>
${form}
<p><button type="submit" form="op.logoutForm" name="logout" value="yes">Ja, abmelden</button>
<button type="submit" form="op.logoutForm">Nein, angemeldet bleiben</button></p>`,
  );
}

export function loggedOutPage(provider: string): string {
  return layout(provider, 'Abgemeldet', '<h2>Sie sind abgemeldet</h2><p>Sie können dieses Fenster schließen.</p>');
}

export function errorPage(provider: string, error: string, description: string | undefined): string {
  return layout(
    provider,
    'Fehler',
    `<h2>Es ist ein Fehler aufgetreten</h2><p>${escapeHtml(description ?? 'Die Anfrage konnte nicht bearbeitet werden.')}</p><p>Fehlercode: <code>${escapeHtml(error)}</code></p>`,
  );
}
