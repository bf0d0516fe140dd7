import { z } from 'zod';
import { emailAddress } from '../accounts/index.ts';

/** A role key as portals read it from `sk_org_roles`: short, lower-case, stable. */
export const ROLE_KEY = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Whether organisations may use the service at once or only after its responsible authority approved. */
export const ORG_APPROVAL_MODES = ['automatic', 'authority'] as const;
export type OrgApproval = (typeof ORG_APPROVAL_MODES)[number];

const bilingual = (max: number) => z.object({ de: z.string().trim().min(1).max(max), en: z.string().trim().min(1).max(max) }).strict();

/** One role of a client's catalogue (client metadata `sk_roles`). */
export const roleDefinition = z
  .object({
    key: z.string().regex(ROLE_KEY, 'a role key is 1–63 characters: a-z, 0-9, then also . _ -'),
    label: bilingual(100),
    description: bilingual(500).optional(),
  })
  .strict();
export type RoleDefinition = z.infer<typeof roleDefinition>;

/** A catalogue: role keys unique. */
export const roleCatalogue = z.array(roleDefinition).superRefine((roles, ctx) => {
  const seen = new Set<string>();
  for (const role of roles) {
    if (seen.has(role.key)) ctx.addIssue({ code: 'custom', message: `role ${role.key} is listed twice` });
    seen.add(role.key);
  }
});

/**
 * The CLI's `--role key="Label de|Label en"` (optionally `|Beschreibung|description`): one role. Returns the
 * parsed definition or a message naming what is wrong.
 */
export function parseRoleFlag(flag: string): RoleDefinition | string {
  const at = flag.indexOf('=');
  if (at < 1) return `"${flag}" must be key="Label de|Label en"`;
  const key = flag.slice(0, at).trim();
  const parts = flag
    .slice(at + 1)
    .replace(/^"(.*)"$/, '$1')
    .split('|')
    .map((part) => part.trim());
  if (parts.length !== 2 && parts.length !== 4) return `"${flag}": give "Label de|Label en" or "Label de|Label en|Beschreibung|description"`;
  const [de = '', en = '', descriptionDe, descriptionEn] = parts;
  const parsed = roleDefinition.safeParse({
    key,
    label: { de, en },
    ...(descriptionDe !== undefined ? { description: { de: descriptionDe, en: descriptionEn } } : {}),
  });
  return parsed.success ? parsed.data : `"${flag}": ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'role'}: ${issue.message}`).join('; ')}`;
}

/** A change of a client's organisation terms (`client roles <id>`); absent parts stay as they are. */
export const organisationTermsInput = z
  .object({
    roles: roleCatalogue.optional(),
    orgApproval: z.enum(ORG_APPROVAL_MODES, { error: 'must be automatic or authority' }).optional(),
    authorityEmail: emailAddress.optional(),
  })
  .strict();
export type OrganisationTermsInput = z.input<typeof organisationTermsInput>;

/** What organisations need to know about one service (a client): its name, roles and approval rule. */
export interface ServiceTerms {
  clientId: string;
  name: string;
  roles: RoleDefinition[];
  approval: OrgApproval;
  /** Where the responsible authority is told about pending organisations (`sk_authority_email`). */
  authorityEmail?: string;
}

/**
 * A client's organisation terms from its stored metadata. Unreadable metadata grants nothing: no roles, and
 * approval by the authority (the safe side: nobody uses the service unapproved).
 */
export function serviceTermsOf(metadata: Record<string, unknown>): ServiceTerms {
  const roles = roleCatalogue.safeParse(metadata.sk_roles ?? []);
  const email = emailAddress.safeParse(metadata.sk_authority_email);
  return {
    clientId: String(metadata.client_id),
    name: typeof metadata.client_name === 'string' ? metadata.client_name : String(metadata.client_id),
    roles: roles.success ? roles.data : [],
    approval: metadata.sk_org_approval === 'automatic' || metadata.sk_org_approval === undefined ? 'automatic' : 'authority',
    ...(email.success ? { authorityEmail: email.data } : {}),
  };
}
