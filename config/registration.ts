import { z } from 'zod';

/** A text in both UI languages; German is the default language of every Kontor deployment. */
export const localizedText = z.object({ de: z.string().min(1).max(2000), en: z.string().min(1).max(2000) });
export type LocalizedText = z.infer<typeof localizedText>;

/**
 * The claims a deployment's profile field may supply (TRUST-AND-CLAIMS.md "Claims"); `address.*` are the members
 * of the `address` claim (OIDC Core §5.1.1). Names, salutation and e-mail have their own registration steps.
 */
export const PROFILE_FIELD_CLAIMS = [
  'birthdate',
  'title',
  'address.street_address',
  'address.postal_code',
  'address.locality',
  'address.country',
  'place_of_birth',
  'nationalities',
  'birth_family_name',
  'also_known_as',
] as const;
export type ProfileFieldClaim = (typeof PROFILE_FIELD_CLAIMS)[number];

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
    /**
     * The claim this field's value is released as (self-entered: basisregistrierung). Without one the value stays
     * inside Kontor as `profile.<name>` and is never released.
     */
    claim: z.enum(PROFILE_FIELD_CLAIMS).optional(),
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
 * The longest password any policy may allow. The login form accepts at most this many characters
 * (interactions/interaction.schemas.ts), so a longer password could be set but never used; the bound also
 * caps the work one request can cause (argon2 pre-hashes the whole input) while leaving room for long
 * passphrases, which NIST SP 800-63B §5.1.1.2 asks verifiers to allow (at least 64 characters).
 */
export const MAX_PASSWORD_LENGTH = 1024;

const minimumSchema = z.object({
  letters: z.number().int().min(0).default(0),
  uppercase: z.number().int().min(0).default(0),
  lowercase: z.number().int().min(0).default(0),
  digits: z.number().int().min(0).default(0),
  special: z.number().int().min(0).default(0),
});

/**
 * The fields of a policy without defaults: a preset's refinement names only what it changes (zod applies a
 * default even to an optional field, which would silently replace the preset's value).
 */
const policyFields = {
  minLength: z.number().int().min(8).max(128),
  maxLength: z.number().int().min(8).max(MAX_PASSWORD_LENGTH),
  forbidWhitespace: z.boolean(),
  /** Characters that may not appear at all (Sachsen-Anhalt: "<>"). */
  forbiddenCharacters: z.string().max(100),
  /** When set, the only special characters allowed (Servicekonto.NRW). */
  allowedSpecialCharacters: z.string().max(100).optional(),
  minimum: minimumSchema,
  /** "characters from at least N of these groups"; mixedCase means upper and lower case letters both. */
  groups: z.object({ required: z.number().int().min(1).max(3), of: z.array(z.enum(['mixedCase', 'digits', 'special'])).min(1) }).optional(),
  /**
   * Refuse passwords on the list of common and breached passwords shipped with Kontor (NIST SP 800-63B
   * §5.1.1.2, OWASP ASVS 4.0.3 V2.1.7). On unless a deployment turns it off.
   */
  rejectCommonPasswords: z.boolean(),
};

const lengthsAgree = (policy: { minLength?: number | undefined; maxLength?: number | undefined }, ctx: z.RefinementCtx) => {
  if (policy.minLength !== undefined && policy.maxLength !== undefined && policy.minLength > policy.maxLength) {
    ctx.addIssue({ code: 'custom', path: ['maxLength'], message: `must not be less than minLength (${policy.minLength})` });
  }
};

/**
 * A password policy. The three presets cover the seeds' portals; a deployment may also give its own object.
 * Character classes: upper/lower case are Unicode letters (Ä, Ö, Ü, ä, ö, ü, ß count), digits 0–9,
 * special is everything else except whitespace.
 */
export const passwordPolicySchema = z
  .object({
    ...policyFields,
    forbidWhitespace: policyFields.forbidWhitespace.default(true),
    forbiddenCharacters: policyFields.forbiddenCharacters.default(''),
    minimum: policyFields.minimum.default({ letters: 0, uppercase: 0, lowercase: 0, digits: 0, special: 0 }),
    rejectCommonPasswords: policyFields.rejectCommonPasswords.default(true),
  })
  .superRefine(lengthsAgree);
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
    rejectCommonPasswords: true,
  },
  /** Servicekonto.NRW: 8+, 2 letters of which 1 upper and 1 lower, 1 digit, 1 special from a fixed set (space allowed). */
  nrw: {
    minLength: 8,
    maxLength: 128,
    forbidWhitespace: false,
    forbiddenCharacters: '',
    allowedSpecialCharacters: '-+_[]()$§!?%&/*,.;:<>|@ ',
    minimum: { letters: 2, uppercase: 1, lowercase: 1, digits: 1, special: 1 },
    rejectCommonPasswords: true,
  },
  /** meine ihk: 8+, upper and lower case letters, digits and special characters. */
  ihk: {
    minLength: 8,
    maxLength: 128,
    forbidWhitespace: true,
    forbiddenCharacters: '',
    minimum: { letters: 0, uppercase: 1, lowercase: 1, digits: 1, special: 1 },
    rejectCommonPasswords: true,
  },
} as const satisfies Record<string, PasswordPolicy>;
export type PasswordPolicyPreset = keyof typeof PASSWORD_POLICY_PRESETS;
const presetName = z.enum(Object.keys(PASSWORD_POLICY_PRESETS) as [PasswordPolicyPreset, ...PasswordPolicyPreset[]]);

/**
 * A preset with some of its fields changed, e.g. {"preset": "nrw", "rejectCommonPasswords": false} or
 * {"preset": "sachsen-anhalt", "maxLength": 128}. A field given replaces the preset's field as a whole.
 */
export const presetRefinementSchema = z
  .object({ preset: presetName, ...z.object(policyFields).partial().shape })
  .superRefine((refinement, ctx) => lengthsAgree({ ...PASSWORD_POLICY_PRESETS[refinement.preset], ...definedFields(refinement) }, ctx));
type PresetRefinement = z.infer<typeof presetRefinementSchema>;

export const registrationSchema = z.object({
  /** "email": the e-mail address is the username; "username": a separate, case-sensitive username (NRW, IHK). */
  usernameMode: z.enum(['email', 'username']),
  /** A preset name, a preset with some fields changed, or a policy of the deployment's own. */
  // The refinement comes first: it is told apart by its "preset" field, which the full schema would strip.
  passwordPolicy: z.union([presetName, presetRefinementSchema, passwordPolicySchema]),
  profileFields: z
    .array(profileFieldSchema)
    .max(30)
    .superRefine((fields, ctx) => {
      const seen = new Set<string>();
      fields.forEach((field, index) => {
        if (field.claim && seen.has(field.claim))
          ctx.addIssue({ code: 'custom', path: [index, 'claim'], message: `${field.claim} is supplied by another field` });
        if (field.claim) seen.add(field.claim);
      });
    }),
  consents: z.array(consentSchema).min(1).max(10),
  /** Lifetime of the confirmation link; unconfirmed registrations are deleted when it has passed. */
  confirmationHours: z.number().int().min(1).max(72),
  /** Lifetime of a password reset link. */
  resetMinutes: z
    .number()
    .int()
    .min(10)
    .max(24 * 60),
});
export type RegistrationConfig = z.infer<typeof registrationSchema>;

/** The policy a configuration names, presets resolved. */
export function resolvePasswordPolicy(policy: RegistrationConfig['passwordPolicy']): PasswordPolicy {
  if (typeof policy === 'string') return PASSWORD_POLICY_PRESETS[policy];
  if ('preset' in policy) return { ...PASSWORD_POLICY_PRESETS[policy.preset], ...definedFields(policy) };
  return policy;
}

/** The refinement's own fields, without its preset name and without the ones it leaves out. */
function definedFields({ preset: _preset, ...fields }: PresetRefinement): Partial<PasswordPolicy> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
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
