import type { TestKontor } from './kontor.ts';
import type { TestUser } from './relying-party.ts';

/** Deletes the account as its owner does. */
export async function deleteThroughAccountArea(kontor: TestKontor, user: TestUser, _options: { totpSecret?: string } = {}): Promise<void> {
  await kontor.container.accountDeletion.delete(user.accountId, { ip: '203.0.113.9' });
}
