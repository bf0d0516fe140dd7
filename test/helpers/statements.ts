import type { TestKontor } from './kontor.ts';

/**
 * The text of every statement Kontor sends to PostgreSQL from now on (as bench/kontor-server.ts counts them:
 * each pooled client's `query` wrapped once when checked out; observation only).
 */
export async function recordStatements(kontor: TestKontor): Promise<string[]> {
  interface Client {
    query: (...args: unknown[]) => unknown;
  }
  const statements: string[] = [];
  const connection = kontor.container.db.orm.em.getConnection() as unknown as {
    getNativeClient(): Promise<{ on(event: 'acquire', listener: (client: Client) => void): void }>;
  };
  const pool = await connection.getNativeClient();
  const wrapped = new WeakSet<Client>();
  pool.on('acquire', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client);
    client.query = (...args: unknown[]) => {
      const first = args[0];
      statements.push(typeof first === 'string' ? first : String((first as { text?: unknown } | null)?.text ?? ''));
      return query(...args);
    };
  });
  return statements;
}
