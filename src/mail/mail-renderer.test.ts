import { MailRenderer } from './mail-renderer.ts';

const greeting = { greetingKey: 'mail.greeting', greetingName: 'Erika Mustermann' };

describe('MailRenderer', () => {
  it('leaves the contact block out when the operator configured no contact, and says whom to tell by name', () => {
    const mail = new MailRenderer({ name: 'Servicekonto Musterland', contact: {} }).render('password-changed', 'de', {
      ...greeting,
      forgotLink: 'https://id.example/password/forgot',
    });
    expect(mail.text).toMatch(/^Servicekonto Musterland\n/);
    expect(mail.text).toContain('Melden Sie den Vorfall bitte auch dem Betreiber von „Servicekonto Musterland“.');
    expect(mail.text).not.toContain('Ende dieser E-Mail');
    expect(mail.text).not.toContain('Fragen zu Ihrem Servicekonto');
    expect(mail.html).not.toContain('mailto:');
  });

  it('shows only the contact ways that are configured', () => {
    const mail = new MailRenderer({ name: 'Servicekonto Musterland', contact: { phone: '0800 123 456' } }).render('password-reset-unknown', 'en', {});
    expect(mail.text).toContain('Phone: 0800 123 456\n');
    expect(mail.text).not.toContain('E-mail:');
    expect(mail.html).toContain('href="tel:0800123456"');
  });

  it('links only web pages as the contact page', () => {
    const mail = new MailRenderer({ name: 'Kontor', contact: { email: 'hilfe@example.org', url: 'javascript:alert(1)' } }).render(
      'password-reset-unknown',
      'de',
      {},
    );
    expect(mail.html).not.toContain('javascript:');
    expect(mail.text).not.toContain('javascript:');
    expect(mail.html).toContain('mailto:hilfe@example.org');
  });

  it('escapes a portal name in the HTML part and keeps it as written in the text part', () => {
    const mail = new MailRenderer({ name: 'Kontor', contact: {} }).render('password-reset', 'de', {
      ...greeting,
      link: 'https://id.example/r',
      minutes: 60,
      portal: 'Bürger & <Amt>',
    });
    expect(mail.html).toContain('Bürger &amp; &lt;Amt&gt;');
    expect(mail.html).not.toContain('<Amt>');
    expect(mail.text).toContain('Die Anforderung kam von der Anmeldung zu „Bürger & <Amt>“.');
  });
});
