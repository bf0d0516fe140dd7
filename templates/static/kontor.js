// Progressive enhancement only: every page works without this file (BITV 2.0 / WCAG 2.1: nothing here is
// needed to complete a form). Served from /static under the pages' CSP (script-src 'self', no inline script).
'use strict';

// "Passwort anzeigen": a button after each password input. Texts come from the input's data-* attributes
// (the catalogues, in the page's language); a live region says what changed (GOV.UK password input).
function addPasswordToggles() {
  for (const input of document.querySelectorAll('input[type="password"][data-show-label]')) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button secondary password-toggle';
    button.setAttribute('aria-controls', input.id);
    button.textContent = input.dataset.showLabel;
    const status = document.createElement('span');
    status.className = 'visually-hidden';
    status.setAttribute('aria-live', 'polite');
    button.addEventListener('click', () => {
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      button.textContent = show ? input.dataset.hideLabel : input.dataset.showLabel;
      status.textContent = show ? input.dataset.shownStatus : input.dataset.hiddenStatus;
    });
    // Passwords never leave the page as visible text: back to hidden before the form is sent.
    input.form?.addEventListener('submit', () => { input.type = 'password'; });
    input.after(button, status);
  }
}

// Error summary links: move focus to the field and scroll its label (or legend) into view too, which a plain
// fragment link does not (it puts the input at the top edge, the label above it out of sight).
function linkErrorSummary() {
  for (const link of document.querySelectorAll('.error-summary a[href^="#"]')) {
    link.addEventListener('click', (event) => {
      const field = document.getElementById(link.getAttribute('href').slice(1));
      if (!field) return;
      const legend = field.closest('fieldset')?.querySelector('legend');
      const label = legend ?? document.querySelector(`label[for="${CSS.escape(field.id)}"]`) ?? field;
      event.preventDefault();
      label.scrollIntoView({ block: 'start' });
      field.focus({ preventScroll: true });
    });
  }
}

addPasswordToggles();
linkErrorSummary();
