import type { EntityManager } from '@mikro-orm/sql';
import type { ProfileField } from '../../config/registration.ts';
import type { AuditLog } from '../audit/index.ts';
import { AppError } from '../shared/app-error.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import { Account, SALUTATIONS } from './account.entity.ts';
import { AccountAttribute } from './account-attribute.entity.ts';
import { attributeNameOf, claimValueOf, removeAttributes, upsertAttributes, type AttributeWrite } from './attributes.ts';
import { parseProfileFields, profileValueToInput, type ProfileValue } from './profile-fields.ts';
import { lockReasonOf } from './profile-locks.ts';
import { personName } from './registration-rules.ts';

type Salutation = (typeof SALUTATIONS)[number];

/** The profile as the edit form shows it: every field as form input, and the locked ones with their reason key. */
export interface ProfileView {
  input: Record<string, string>;
  /** Field name → translation key of why it is read-only ("Sperrfeld: vom Ausweis übernommen"). */
  locked: Record<string, string>;
}

/** Some fields of a profile edit are missing or wrong; field name → translation key (the registration's codes). */
export class ProfileInvalidError extends AppError {
  readonly fieldErrors: Record<string, string>;
  constructor(fieldErrors: Record<string, string>) {
    super('profile.invalid', 400, Object.keys(fieldErrors));
    this.fieldErrors = fieldErrors;
  }
}

export interface ProfileUpdateDeps {
  em: EntityManager;
  audit: AuditLog;
  profileFields: ProfileField[];
  clock?: Clock;
}

/** A field of the form and the attribute that carries it for the claims composer. */
interface FieldSpec {
  name: string;
  attribute: string;
}

/**
 * "Meine persönlichen Daten": the person edits salutation, names and the deployment's profile fields with the
 * registration's rules. Columns and attributes change together, in one transaction with the audit event;
 * only changed values are written, so an unchanged value keeps its level, source and verification time.
 */
export class ProfileUpdateService {
  private readonly deps: ProfileUpdateDeps;
  private readonly fields: FieldSpec[];
  constructor(deps: ProfileUpdateDeps) {
    this.deps = deps;
    this.fields = [
      { name: 'salutation', attribute: 'gender' },
      { name: 'givenName', attribute: 'given_name' },
      { name: 'familyName', attribute: 'family_name' },
      ...deps.profileFields.map((field) => ({ name: field.name, attribute: attributeNameOf(field) })),
    ];
  }

  /** The current values and locks of an active account; undefined without one. */
  async view(accountId: string): Promise<ProfileView | undefined> {
    const em = this.deps.em.fork();
    const account = await em.findOne(Account, { id: accountId, status: 'active' });
    if (!account) return undefined;
    return { input: this.inputOf(account), locked: await this.locksOf(em, accountId) };
  }

  /**
   * Applies an edit (form input by field name). Locked fields may be left out (the page shows them as text);
   * a different value for one is refused with `profile.field_locked`. Returns the names of the changed fields.
   */
  async update(accountId: string, input: Record<string, unknown>, context: { ip: string }): Promise<{ changed: string[] }> {
    return this.deps.em.fork().transactional(async (tx) => {
      const account = await tx.findOne(Account, { id: accountId, status: 'active' });
      if (!account) throw new AppError('account.not_found', 404);
      const stored = this.inputOf(account);
      const locked = await this.locksOf(tx, accountId);
      const effective: Record<string, unknown> = { ...input };
      const refused: string[] = [];
      for (const name of Object.keys(locked)) {
        const given = input[name];
        if (given !== undefined && (typeof given !== 'string' || given.trim() !== stored[name])) refused.push(name);
        effective[name] = stored[name];
      }
      if (refused.length) throw new AppError('profile.field_locked', 403, refused);
      const next = this.parse(effective, Object.keys(locked));
      const changed = this.fields.map((field) => field.name).filter((name) => !(name in locked) && this.inputOfValue(name, next) !== stored[name]);
      if (!changed.length) return { changed };
      await this.write(tx, account, next, changed);
      this.deps.audit.record(tx, { type: 'profile.changed', accountId, ip: context.ip, details: { fields: changed } });
      return { changed };
    });
  }

  private parse(input: Record<string, unknown>, locked: string[]): Parsed {
    const errors: Record<string, string> = {};
    const salutationText = typeof input.salutation === 'string' ? input.salutation.trim() : '';
    const salutation = salutationText === '' ? null : (SALUTATIONS as readonly string[]).includes(salutationText) ? (salutationText as Salutation) : undefined;
    if (salutation === undefined) errors.salutation = 'registration.salutation_invalid';
    const names: Record<'givenName' | 'familyName', string> = { givenName: '', familyName: '' };
    for (const name of ['givenName', 'familyName'] as const) {
      const parsed = personName.safeParse(input[name] ?? '');
      if (parsed.success) names[name] = parsed.data;
      else errors[name] = parsed.error.issues[0]?.message ?? 'registration.required';
    }
    const profile = parseProfileFields(this.deps.profileFields, input, (this.deps.clock ?? systemClock).now());
    Object.assign(errors, profile.errors);
    // A locked value is kept as stored even where today's rules would word it differently (an eID's spelling).
    for (const name of locked) delete errors[name];
    if (Object.keys(errors).length) throw new ProfileInvalidError(errors);
    return { salutation: salutation ?? null, ...names, profile: profile.values };
  }

  private async write(tx: EntityManager, account: Account, next: Parsed, changed: string[]): Promise<void> {
    const writes: AttributeWrite[] = [];
    const removed: string[] = [];
    const entered = (name: string, value: unknown): AttributeWrite => ({ name, value, level: 'basisregistrierung', source: 'self_entered' });
    const profile = { ...storedProfile(account) };
    for (const name of changed) {
      const attribute = this.fields.find((field) => field.name === name)!.attribute;
      if (name === 'salutation') {
        account.salutation = next.salutation;
        if (next.salutation) writes.push(entered(attribute, next.salutation === 'ms' ? 'female' : 'male'));
        else removed.push(attribute);
      } else if (name === 'givenName' || name === 'familyName') {
        account[name] = next[name];
        writes.push(entered(attribute, next[name]));
      } else {
        const field = this.deps.profileFields.find((candidate) => candidate.name === name)!;
        const value = next.profile[name];
        if (value === undefined) {
          delete profile[name];
          removed.push(attribute);
        } else {
          profile[name] = value;
          writes.push(entered(attribute, claimValueOf(field, value)));
        }
      }
    }
    account.profile = profile;
    await tx.flush();
    await upsertAttributes(tx, account.id, writes);
    await removeAttributes(tx, account.id, removed);
  }

  private inputOf(account: Account): Record<string, string> {
    return Object.fromEntries(
      this.fields.map((field) => [
        field.name,
        this.inputOfValue(field.name, { ...account, salutation: account.salutation ?? null, profile: storedProfile(account) }),
      ]),
    );
  }

  private inputOfValue(name: string, values: Parsed): string {
    if (name === 'salutation') return values.salutation ?? '';
    if (name === 'givenName' || name === 'familyName') return values[name];
    const field = this.deps.profileFields.find((candidate) => candidate.name === name)!;
    return profileValueToInput(field, values.profile[name]);
  }

  private async locksOf(em: EntityManager, accountId: string): Promise<Record<string, string>> {
    const rows = await em.find(AccountAttribute, { account: accountId, name: { $in: this.fields.map((field) => field.attribute) } });
    const locked: Record<string, string> = {};
    for (const row of rows) {
      const reason = lockReasonOf(row);
      const field = this.fields.find((candidate) => candidate.attribute === row.name);
      if (reason && field) locked[field.name] = reason;
    }
    return locked;
  }
}

/**
 * The stored profile values. Accounts made by `AccountService.createVerified` hold the JSON string "{}" (the
 * entity's default is written as a string), not an object: read as no values.
 */
function storedProfile(account: Account): Record<string, ProfileValue> {
  return typeof account.profile === 'object' && account.profile !== null ? account.profile : {};
}

interface Parsed {
  salutation: Salutation | null;
  givenName: string;
  familyName: string;
  profile: Record<string, ProfileValue>;
}
