import { randomUUID } from 'node:crypto';
import type { AuditType } from '../../src/audit/index.ts';
import type { CreateClientInput } from '../../src/clients/index.ts';
import { localDate, type OrganisationInput } from '../../src/organisations/index.ts';
import type { TestKontor } from './kontor.ts';
import { createUser, registerClient, type TestUser } from './relying-party.ts';

let organisationCounter = 0;

/** Valid registration data of a new organisation (its name is unique in the run). */
export function organisationInput(overrides: Partial<OrganisationInput> = {}): OrganisationInput {
  organisationCounter += 1;
  return {
    name: `Muster Bau ${organisationCounter} ${process.pid}`.slice(0, 40),
    legalForm: 'gmbh',
    registerCourt: 'Amtsgericht Köln',
    registerNumber: 'HRB 12345',
    street: 'Heidestraße',
    houseNumber: '17a',
    postalCode: '51147',
    city: 'Köln',
    country: 'DE',
    contactEmail: 'info@muster-bau.example',
    ...overrides,
  };
}

/**
 * Gives an account a birth date, as a profile field mapped to `birthdate` would store it (the account
 * domain's attribute table: the test reaches in, the service under test only reads it).
 */
export async function setBirthdate(kontor: TestKontor, accountId: string, birthdate: string): Promise<void> {
  await kontor.container.db.orm.em.fork().execute(
    `insert into account_attribute (id, account_id, name, value, level, source, verified_at, created_at, updated_at)
     values (?, ?, 'birthdate', ?::jsonb, 'basisregistrierung', 'self_entered', null, now(), now())
     on conflict (account_id, name) do update set value = excluded.value`,
    [randomUUID(), accountId, JSON.stringify(birthdate)],
    'run',
  );
}

/** A date `years` years before today in the operator's time zone, shifted by `days`. */
export function yearsAgo(kontor: TestKontor, years: number, days = 0): string {
  const [year, month, day] = localDate(kontor.clock.now(), kontor.config.timeZone).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year - years, month - 1, day + days));
  return date.toISOString().slice(0, 10);
}

/** A verified adult account. */
export async function adult(kontor: TestKontor): Promise<TestUser> {
  const user = await createUser(kontor);
  await setBirthdate(kontor, user.accountId, '1980-05-17');
  return user;
}

/** An organisation registered by a new adult admin. */
export async function organisationWithAdmin(kontor: TestKontor, overrides: Partial<OrganisationInput> = {}) {
  const admin = await adult(kontor);
  const input = organisationInput(overrides);
  const { organisationId } = await kontor.container.organisations.organisations.register(admin.accountId, input);
  return { admin, organisationId, input };
}

/** An account that is a plain member of the organisation (joined by invitation-free admin action: a join request accepted). */
export async function memberOf(kontor: TestKontor, organisationId: string, admin: TestUser, input: OrganisationInput): Promise<TestUser> {
  const member = await createUser(kontor);
  const { joinRequests } = kontor.container.organisations;
  const { requestId } = await joinRequests.request(member.accountId, { name: input.name, postalCode: input.postalCode, registerNumber: input.registerNumber });
  await joinRequests.accept(admin.accountId, organisationId, requestId);
  return member;
}

/** A client with a role catalogue (automatic approval unless told otherwise). */
export function clientWithRoles(kontor: TestKontor, input: Partial<CreateClientInput> = {}) {
  return registerClient(kontor, {
    scopes: ['openid', 'profile', 'email', 'sk_organisation'],
    roles: [
      { key: 'trainer', label: { de: 'Ausbilder', en: 'Trainer' } },
      { key: 'trainee', label: { de: 'Auszubildende', en: 'Trainee' } },
      { key: 'viewer', label: { de: 'Lesezugriff', en: 'Read access' }, description: { de: 'Nur lesen', en: 'Read only' } },
    ],
    ...input,
  });
}

/** The error a promise rejects with (undefined if it resolves). */
export function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** The audit events of one type about one organisation, newest first. */
export async function auditOf(kontor: TestKontor, type: AuditType, organisationId: string) {
  const events = await kontor.container.audit.list(kontor.container.db.orm.em, { type }, 1000);
  return events.filter((event) => event.details.organisationId === organisationId);
}
