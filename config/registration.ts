import { z } from 'zod';

/** A text in both UI languages; German is the default language of every Kontor deployment. */
export const localizedText = z.object({ de: z.string().min(1).max(2000), en: z.string().min(1).max(2000) });
export type LocalizedText = z.infer<typeof localizedText>;

const fieldName = z.string().regex(/^[a-z][A-Za-z0-9]{0,39}$/, 'must be camelCase letters and digits, starting with a lower-case letter');

/**
 * An extra profile field a deployment asks for at registration ("Mein ias": birth year, gender, language,
 * "has direct reports"). Values are stored with the account, validated with exactly these rules.
 */
export const profileFieldSchema = z
  .object({
    name: fieldName,
    type: z.enum(['text', 'integer', 'select', 'boolean']),
    label: localizedText,
    hint: localizedText.optional(),
    required: z.boolean().default(false),
    /** integer: smallest value; text: shortest length. */
    min: z.number().int().optional(),
    /** integer: largest value, or "currentYear" (birth years); text: longest length (default 200). */
    max: z.union([z.number().int(), z.literal('currentYear')]).optional(),
    /** text: a regular expression the whole value must match (JavaScript syntax, unicode mode). */
    pattern: z.string().max(500).optional(),
    /** select: the choices, in display order. */
    options: z.array(z.object({ value: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/), label: localizedText })).optional(),
  })
  .superRefine((field, ctx) => {
    if (field.type === 'select' && !field.options?.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'a select field needs options' });
    if (field.type !== 'select' && field.options) ctx.addIssue({ code: 'custom', path: ['options'], message: 'only select fields have options' });
    if (field.pattern !== undefined) {
      try {
        new RegExp(field.pattern, 'u');
      } catch {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'is not a valid regular expression' });
      }
    }
  });
export type ProfileField = z.infer<typeof profileFieldSchema>;

/** A consent asked for on the review step; its version identifies the text the person agreed to. */
export const consentSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/),
  version: z.string().min(1).max(40),
  required: z.boolean(),
  label: localizedText,
  /** Where the full text is (privacy statement, terms of use). */
  url: z.url({ protocol: /^https?$/ }).optional(),
});
export type ConsentDefinition = z.infer<typeof consentSchema>;

/**
 * A password policy. The three presets cover the seeds' portals; a deployment may also give its own object.
 * Character classes: upper/lower case are Unicode letters (Ä, Ö, Ü, ä, ö, ü, ß count), digits 0–9,
 * special is everything else except whitespace.
 */
export const passwordPolicySchema = z.object({
  minLength: z.number().int().min(8).max(128),
  maxLength: z.number().int().min(8).max(1024),
  forbidWhitespace: z.boolean().default(true),
  /** Characters that may not appear at all (Sachsen-Anhalt: "<>"). */
  forbiddenCharacters: z.string().max(100).default(''),
  /** When set, the only special characters allowed (Servicekonto.NRW). */
  allowedSpecialCharacters: z.string().max(100).optional(),
  minimum: z
    .object({
      letters: z.number().int().min(0).default(0),
      uppercase: z.number().int().min(0).default(0),
      lowercase: z.number().int().min(0).default(0),
      digits: z.number().int().min(0).default(0),
      special: z.number().int().min(0).default(0),
    })
    .default({ letters: 0, uppercase: 0, lowercase: 0, digits: 0, special: 0 }),
  /** "characters from at least N of these groups"; mixedCase means upper and lower case letters both. */
  groups: z.object({ required: z.number().int().min(1).max(3), of: z.array(z.enum(['mixedCase', 'digits', 'special'])).min(1) }).optional(),
});
export type PasswordPolicy = z.infer<typeof passwordPolicySchema>;

export const PASSWORD_POLICY_PRESETS = {
  /** Serviceportal Sachsen-Anhalt (the default): 8–40, no whitespace, no < >, two of three groups. */
  'sachsen-anhalt': {
    minLength: 8,
    maxLength: 40,
    forbidWhitespace: true,
    forbiddenCharacters: '<>',
    minimum: { letters: 0, uppercase: 0, lowercase: 0, digits: 0, special: 0 },
    groups: { required: 2, of: ['mixedCase', 'digits', 'special'] },
  },
  /** Servicekonto.NRW: 8+, 2 letters of which 1 upper and 1 lower, 1 digit, 1 special from a fixed set (space allowed). */
  nrw: {
    minLength: 8,
    maxLength: 128,
    forbidWhitespace: false,
    forbiddenCharacters: '',
    allowedSpecialCharacters: '-+_[]()$§!?%&/*,.;:<>|@ ',
    minimum: { letters: 2, uppercase: 1, lowercase: 1, digits: 1, special: 1 },
  },
  /** meine ihk: 8+, upper and lower case letters, digits and special characters. */
  ihk: {
    minLength: 8,
    maxLength: 128,
    forbidWhitespace: true,
    forbiddenCharacters: '',
    minimum: { letters: 0, uppercase: 1, lowercase: 1, digits: 1, special: 1 },
  },
} as const satisfies Record<string, PasswordPolicy>;
export type PasswordPolicyPreset = keyof typeof PASSWORD_POLICY_PRESETS;

export const registrationSchema = z.object({
  /** "email": the e-mail address is the username; "username": a separate, case-sensitive username (NRW, IHK). */
  usernameMode: z.enum(['email', 'username']),
  /** A preset name or a policy of the deployment's own. */
  passwordPolicy: z.union([z.enum(Object.keys(PASSWORD_POLICY_PRESETS) as [PasswordPolicyPreset, ...PasswordPolicyPreset[]]), passwordPolicySchema]),
  profileFields: z.array(profileFieldSchema).max(30),
  consents: z.array(consentSchema).min(1).max(10),
  /** Lifetime of the confirmation link; unconfirmed registrations are deleted when it has passed. */
  confirmationHours: z.number().int().min(1).max(72),
  /** Lifetime of a password reset link. */
  resetMinutes: z.number().int().min(10).max(24 * 60),
});
export type RegistrationConfig = z.infer<typeof registrationSchema>;

/** The policy a configuration names, presets resolved. */
export function resolvePasswordPolicy(policy: RegistrationConfig['passwordPolicy']): PasswordPolicy {
  return typeof policy === 'string' ? PASSWORD_POLICY_PRESETS[policy] : policy;
}

export const DEFAULT_CONSENTS: ConsentDefinition[] = [
  {
    id: 'privacy',
    version: '2026-11-01',
    required: true,
    label: {
      de: 'Ich habe die Datenschutzerklärung gelesen und stimme der Verarbeitung meiner Daten für mein Servicekonto zu.',
      en: 'I have read the privacy statement and agree to the processing of my data for my service account.',
    },
  },
];
