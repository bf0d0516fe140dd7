import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Translate } from '../../../src/i18n/index.ts';
import { errorSummary, fieldMessages, type FormField } from '../../../src/http/validate.ts';
import { LEGAL_FORMS, OrganisationInputError, type OrganisationData, type OrganisationInput } from '../../../src/organisations/index.ts';
import { AppError } from '../../../src/shared/app-error.ts';
import { accountOf, hasBirthdateField, type OrganisationPageDeps, redirectWithNotice, renderOrganisationPage } from './common.ts';

// Issue 19 item 1 (seed 001 "Servicekonto Business"): the form, a review step, then the registration; the
// person becomes the first admin and must be of age.

const NEW = '/account/organisations/new';
const REVIEW = '/account/organisations/new/review';
const FIELD_NAMES = [
  'name',
  'legalForm',
  'registerCourt',
  'registerNumber',
  'street',
  'houseNumber',
  'postalCode',
  'city',
  'country',
  'poBox',
  'contactEmail',
] as const;
const REQUIRED = new Set(['name', 'legalForm', 'street', 'houseNumber', 'postalCode', 'city', 'country', 'contactEmail']);
/** The countries the form offers; a German address is the rule (seed 001), the neighbours the exception. */
const COUNTRIES = ['DE', 'AT', 'BE', 'CH', 'CZ', 'DK', 'FR', 'LU', 'NL', 'PL'] as const;

const label = (t: Translate, name: string) => t(`account.organisations.register.field.${name}`);
const formFields = (t: Translate): FormField[] => FIELD_NAMES.map((name) => ({ name, label: label(t, name) }));

/** The posted values as strings (untrusted; the domain's `check` validates them). */
function valuesOf(body: unknown): Record<string, string> {
  const source = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(FIELD_NAMES.map((name) => [name, typeof source[name] === 'string' ? (source[name] as string).slice(0, 300) : '']));
}

/** Seed 001: only adults administer; without a birth date (or without the field) the page says what to do. */
async function ageRefusal(deps: OrganisationPageDeps, ctx: Context): Promise<boolean> {
  try {
    await deps.organisations.organisations.requireAdultApplicant(accountOf(ctx));
    return false;
  } catch (error) {
    if (!(error instanceof AppError) || !['organisation.birthdate_missing', 'organisation.admin_under_age'].includes(error.code)) throw error;
    renderOrganisationPage(
      deps,
      ctx,
      'not-of-age',
      { underAge: error.code === 'organisation.admin_under_age', fieldConfigured: hasBirthdateField(deps) },
      'account.organisations.register.age_title',
      403,
    );
    return true;
  }
}

function showForm(deps: OrganisationPageDeps, ctx: Context, values: Record<string, string>, codes: Record<string, string> = {}, status = 200): void {
  const t = deps.views.translator(ctx);
  const fields = formFields(t);
  const errors = fieldMessages(t, fields, codes);
  const country = values.country || 'DE';
  const names = new Intl.DisplayNames([ctx.state.locale === 'en' ? 'en' : 'de'], { type: 'region' });
  renderOrganisationPage(
    deps,
    ctx,
    'register',
    {
      values,
      errors,
      errorList: errorSummary(errors, fields),
      fields: Object.fromEntries(
        FIELD_NAMES.map((name) => [
          name,
          { id: name, name, label: label(t, name), required: REQUIRED.has(name), value: values[name] ?? '', error: errors[name] },
        ]),
      ),
      legalForms: LEGAL_FORMS.map((value) => ({ value, label: t(`organisation.legal_form.${value}`), selected: values.legalForm === value })),
      countries: COUNTRIES.map((value) => ({ value, label: names.of(value) ?? value, selected: country === value })),
    },
    'account.organisations.register.title',
    status,
  );
}

async function showNew(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  if (await ageRefusal(deps, ctx)) return;
  showForm(deps, ctx, deps.organisationDrafts.read(ctx, accountOf(ctx)) ?? { country: 'DE' });
}

async function submitNew(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  const values = valuesOf(ctx.request.body);
  try {
    deps.organisations.organisations.check(values as OrganisationInput);
  } catch (error) {
    if (error instanceof OrganisationInputError) return showForm(deps, ctx, values, error.fieldErrors, 400);
    throw error;
  }
  deps.organisationDrafts.save(ctx, accountOf(ctx), values);
  ctx.status = 303;
  ctx.redirect(REVIEW);
}

/** The review rows: every field as it will be stored (normalised by the domain's `check`). */
function reviewRows(t: Translate, data: OrganisationData, locale: string) {
  const names = new Intl.DisplayNames([locale], { type: 'region' });
  const register = data.registerNumber ? `${data.registerCourt}, ${data.registerNumber}` : t('account.organisations.register.none');
  return [
    { label: label(t, 'name'), value: data.name },
    { label: label(t, 'legalForm'), value: t(`organisation.legal_form.${data.legalForm}`) },
    { label: t('account.organisations.register.register_entry'), value: register },
    {
      label: t('account.organisations.register.address'),
      value: `${data.street} ${data.houseNumber}, ${data.postalCode} ${data.city}, ${names.of(data.country) ?? data.country}`,
    },
    { label: label(t, 'poBox'), value: data.poBox ?? t('account.organisations.register.none') },
    { label: t('account.organisations.register.postal_address'), value: t(`account.organisations.register.postal_address_${data.postalAddress}`) },
    { label: label(t, 'contactEmail'), value: data.contactEmail },
  ];
}

async function showReview(deps: OrganisationPageDeps, ctx: Context, refusal?: string, status = 200): Promise<void> {
  const draft = deps.organisationDrafts.read(ctx, accountOf(ctx));
  if (!draft) {
    ctx.status = 303;
    return ctx.redirect(NEW);
  }
  let data: OrganisationData;
  try {
    data = deps.organisations.organisations.check(draft);
  } catch {
    ctx.status = 303;
    return ctx.redirect(NEW);
  }
  const t = deps.views.translator(ctx);
  renderOrganisationPage(
    deps,
    ctx,
    'register-review',
    { rows: reviewRows(t, data, ctx.state.locale === 'en' ? 'en' : 'de'), refusal, errorList: refusal ? [{ text: t(refusal) }] : [] },
    'account.organisations.register.review_title',
    status,
  );
}

async function submitReview(deps: OrganisationPageDeps, ctx: Context): Promise<void> {
  const accountId = accountOf(ctx);
  const draft = deps.organisationDrafts.read(ctx, accountId);
  if (!draft) {
    ctx.status = 303;
    return ctx.redirect(NEW);
  }
  try {
    const { organisationId } = await deps.organisations.organisations.register(accountId, draft);
    deps.organisationDrafts.clear(ctx);
    redirectWithNotice(ctx, `/account/organisations/${organisationId}`, 'registered');
  } catch (error) {
    if (error instanceof OrganisationInputError) return showForm(deps, ctx, draft, error.fieldErrors, 400);
    if (error instanceof AppError && ['organisation.birthdate_missing', 'organisation.admin_under_age'].includes(error.code)) {
      await ageRefusal(deps, ctx);
      return;
    }
    if (error instanceof AppError && error.code === 'organisation.already_registered')
      return showReview(deps, ctx, 'error.organisation.already_registered', 409);
    if (error instanceof AppError && error.code === 'organisation.registration_limit')
      return showReview(deps, ctx, 'error.organisation.registration_limit', 429);
    throw error;
  }
}

export function registerOrganisationRegistrationRoutes(router: Router, deps: OrganisationPageDeps): void {
  router.get(NEW, async (ctx) => showNew(deps, ctx));
  router.post(NEW, async (ctx) => submitNew(deps, ctx));
  router.get(REVIEW, async (ctx) => showReview(deps, ctx));
  router.post(REVIEW, async (ctx) => submitReview(deps, ctx));
}
