import { z } from 'zod';
import { emailAddress, freeTextProblem } from '../accounts/index.ts';
import { AppError } from '../shared/app-error.ts';
import { LEGAL_FORMS } from './legal-forms.ts';

/**
 * The registration rules of seed 001 ("Servicekonto Business"), field by field; messages are translation keys.
 */

/** Seed 001: 1–40 characters, letters, digits and special characters except `" < > { } [ ]`. */
const NAME_FORBIDDEN = /["<>{}[\]]/;
const organisationName = z
  .string('organisation.name_required')
  .trim()
  .transform((value) => value.replace(/\s+/g, ' '))
  .pipe(
    z
      .string()
      .min(1, 'organisation.name_required')
      .max(40, 'organisation.name_too_long')
      .refine((value) => !NAME_FORBIDDEN.test(value), 'organisation.name_forbidden_characters')
      // The name goes into mail to addresses admins type in (invitations): no links, no invisible characters.
      .superRefine((value, ctx) => {
        const problem = freeTextProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  );

/** Free text of an address line: 1–100 characters under the free-text rules. */
const addressText = (required: string) =>
  z
    .string(required)
    .trim()
    .min(1, required)
    .max(100, 'organisation.field_too_long')
    .superRefine((value, ctx) => {
      const problem = freeTextProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/** Seed 001: at most eleven characters, no spaces ("2a", "12a-c", "48-50"); `0` when there is none. */
const houseNumber = z
  .string('organisation.house_number_required')
  .trim()
  .min(1, 'organisation.house_number_required')
  .max(11, 'organisation.house_number_too_long')
  .regex(/^[\p{L}\p{N}/.-]+$/u, 'organisation.house_number_invalid');

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ? value : undefined));

/** A register court is a place name ("Amtsgericht Köln" or "Köln"). */
const REGISTER_COURT = /^\p{L}[\p{L}\p{M} .()'’-]{1,99}$/u;
/** Loosely a German register entry: type (HRA, HRB, GnR, PR, VR, GsR …) and number, maybe a suffix ("HRB 12345 B"). */
const REGISTER_NUMBER = /^([A-Za-z]{2,4}) ?(\d{1,7})(?: ?([A-Za-z]{1,3}))?$/;

/** "hrb12345" and "HRB  12345" are "HRB 12345": the form registration stores and join requests compare. */
export function canonicalRegisterNumber(value: string): string | undefined {
  const match = REGISTER_NUMBER.exec(value.trim().replace(/\s+/g, ' '));
  if (!match) return undefined;
  return [match[1]!.toUpperCase(), match[2], match[3]?.toUpperCase()].filter(Boolean).join(' ');
}

/** The name as join requests compare it: whitespace collapsed, case ignored (seed 002: "exakt"). */
export function nameKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** A postal code as join requests compare it: without whitespace, upper-cased. */
export function postalKey(code: string): string {
  return code.replace(/\s+/g, '').toUpperCase();
}

export const organisationInput = z
  .object({
    name: organisationName,
    legalForm: z.enum(LEGAL_FORMS, 'organisation.legal_form_invalid'),
    registerCourt: optionalText,
    registerNumber: optionalText,
    street: addressText('organisation.street_required'),
    houseNumber,
    postalCode: z.string('organisation.postal_code_required').trim().min(1, 'organisation.postal_code_required'),
    city: addressText('organisation.city_required'),
    country: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, 'organisation.country_invalid')
      .default('DE'),
    /** Seed 001: 4–20 digits; stored as the preferred postal address. */
    poBox: optionalText.pipe(
      z
        .string()
        .regex(/^\d{4,20}$/, 'organisation.po_box_invalid')
        .optional(),
    ),
    contactEmail: z.string('account.email_required').pipe(emailAddress),
  })
  .superRefine((input, ctx) => {
    const german = input.country === 'DE';
    if (!(german ? /^\d{5}$/ : /^[A-Za-z0-9 -]{2,10}$/).test(input.postalCode))
      ctx.addIssue({ code: 'custom', path: ['postalCode'], message: 'organisation.postal_code_invalid' });
    if (input.registerNumber !== undefined && !canonicalRegisterNumber(input.registerNumber))
      ctx.addIssue({ code: 'custom', path: ['registerNumber'], message: 'organisation.register_number_invalid' });
    if (input.registerNumber !== undefined && !input.registerCourt)
      ctx.addIssue({ code: 'custom', path: ['registerCourt'], message: 'organisation.register_court_required' });
    if (input.registerCourt !== undefined && !REGISTER_COURT.test(input.registerCourt))
      ctx.addIssue({ code: 'custom', path: ['registerCourt'], message: 'organisation.register_court_invalid' });
    if (input.registerCourt !== undefined && input.registerNumber === undefined)
      ctx.addIssue({ code: 'custom', path: ['registerNumber'], message: 'organisation.register_number_required' });
  });

export type OrganisationInput = z.input<typeof organisationInput>;

/** The checked, normalised data of an organisation (what the review step shows and registration stores). */
export interface OrganisationData {
  name: string;
  legalForm: (typeof LEGAL_FORMS)[number];
  registerCourt: string | null;
  registerNumber: string | null;
  street: string;
  houseNumber: string;
  postalCode: string;
  city: string;
  country: string;
  poBox: string | null;
  /** Where post goes: the PO box when one is given (seed 001). */
  postalAddress: 'street' | 'po_box';
  contactEmail: string;
}

/** Field → message key, for the form's error summary. */
export class OrganisationInputError extends AppError {
  readonly fieldErrors: Record<string, string>;
  constructor(fieldErrors: Record<string, string>) {
    super('organisation.invalid_input', 400, Object.keys(fieldErrors));
    this.fieldErrors = fieldErrors;
  }
}

/** Checks and normalises an organisation's data, or throws {@link OrganisationInputError}. */
export function checkOrganisation(input: OrganisationInput): OrganisationData {
  const parsed = organisationInput.safeParse(input);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'organisation')] ??= issue.message;
    throw new OrganisationInputError(errors);
  }
  const data = parsed.data;
  return {
    ...data,
    registerCourt: data.registerCourt ?? null,
    registerNumber: data.registerNumber ? canonicalRegisterNumber(data.registerNumber)! : null,
    postalCode: data.postalCode.toUpperCase(),
    poBox: data.poBox ?? null,
    postalAddress: data.poBox ? 'po_box' : 'street',
  };
}
