import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './load.ts';
import { DEFAULT_CONSENTS, MAX_PASSWORD_LENGTH, PASSWORD_POLICY_PRESETS, resolvePasswordPolicy } from './registration.ts';

const example = (name: string) => fileURLToPath(new URL(`../docs/examples/${name}`, import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'kontor-registration-config-'));
let files = 0;
function configFile(tree: unknown): string {
  files += 1;
  const file = join(dir, `kontor-${files}.json`);
  writeFileSync(file, JSON.stringify(tree));
  return file;
}

/** The problems a ConfigError lists (fails the test when loading succeeds). */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError, the configuration loaded');
}

const label = { de: 'Feld', en: 'Field' };

describe('registration settings in the configuration', () => {
  it('defaults to e-mail as username, the Sachsen-Anhalt policy, no profile fields and the privacy consent', () => {
    const { registration } = loadConfig({});
    expect(registration).toMatchObject({ usernameMode: 'email', passwordPolicy: 'sachsen-anhalt', profileFields: [], confirmationHours: 24, resetMinutes: 60 });
    expect(registration.consents).toEqual(DEFAULT_CONSENTS);
  });

  it('loads docs/examples/mein-ias.json: 4 profile fields and 2 consents, defaults kept for the rest', () => {
    const { registration } = loadConfig({ KONTOR_CONFIG_FILE: example('mein-ias.json') });
    expect(registration.profileFields.map((field) => field.name)).toEqual(['hasDirectReports', 'birthYear', 'gender', 'language']);
    expect(registration.consents.map((consent) => [consent.id, consent.version, consent.required])).toEqual([
      ['terms', '2024-05', true],
      ['data-use', '2024-05', false],
    ]);
    expect(registration).toMatchObject({ usernameMode: 'email', passwordPolicy: 'sachsen-anhalt', confirmationHours: 24, resetMinutes: 60 });
  });

  it('loads docs/examples/servicekonto-nrw.json: username mode with the NRW policy', () => {
    const { registration } = loadConfig({ KONTOR_CONFIG_FILE: example('servicekonto-nrw.json') });
    expect(registration).toMatchObject({ usernameMode: 'username', passwordPolicy: 'nrw', profileFields: [] });
    expect(registration.consents).toEqual(DEFAULT_CONSENTS);
    expect(resolvePasswordPolicy(registration.passwordPolicy)).toEqual(PASSWORD_POLICY_PRESETS.nrw);
  });

  it('loads docs/examples/meine-ihk.json: username mode with the IHK policy', () => {
    const { registration } = loadConfig({ KONTOR_CONFIG_FILE: example('meine-ihk.json') });
    expect(registration).toMatchObject({ usernameMode: 'username', passwordPolicy: 'ihk', profileFields: [] });
    expect(resolvePasswordPolicy(registration.passwordPolicy)).toEqual(PASSWORD_POLICY_PRESETS.ihk);
  });

  it('takes KONTOR_PASSWORD_POLICY and KONTOR_USERNAME_MODE from the environment', () => {
    expect(loadConfig({ KONTOR_PASSWORD_POLICY: 'nrw' }).registration).toMatchObject({ usernameMode: 'email', passwordPolicy: 'nrw' });
    expect(loadConfig({ KONTOR_USERNAME_MODE: 'username' }).registration).toMatchObject({ usernameMode: 'username', passwordPolicy: 'sachsen-anhalt' });
    expect(loadConfig({ KONTOR_PASSWORD_POLICY: 'ihk', KONTOR_USERNAME_MODE: 'username' }).registration).toMatchObject({
      usernameMode: 'username',
      passwordPolicy: 'ihk',
    });
  });

  it("lets the environment variables win over the config file, keeping the file's other registration settings", () => {
    const { registration } = loadConfig({ KONTOR_CONFIG_FILE: example('mein-ias.json'), KONTOR_PASSWORD_POLICY: 'ihk', KONTOR_USERNAME_MODE: 'username' });
    expect(registration).toMatchObject({ usernameMode: 'username', passwordPolicy: 'ihk' });
    expect(registration.profileFields).toHaveLength(4);
    expect(registration.consents).toHaveLength(2);
  });

  it('refuses an unknown password policy preset, from the environment or the file', () => {
    expect(problemsOf({ KONTOR_PASSWORD_POLICY: 'bayern' }).join('\n')).toMatch(/^registration\.passwordPolicy: /m);
    expect(problemsOf({ KONTOR_CONFIG_FILE: configFile({ registration: { passwordPolicy: 'Sachsen-Anhalt' } }) }).join('\n')).toMatch(
      /^registration\.passwordPolicy: /m,
    );
  });

  it('refuses an unknown username mode', () => {
    expect(problemsOf({ KONTOR_USERNAME_MODE: 'nickname' }).join('\n')).toMatch(/^registration\.usernameMode: /m);
  });

  it("accepts a policy object of the deployment's own", () => {
    const policy = {
      minLength: 12,
      maxLength: 64,
      forbidWhitespace: true,
      forbiddenCharacters: '',
      minimum: { letters: 0, uppercase: 1, lowercase: 1, digits: 1, special: 0 },
    };
    const { registration } = loadConfig({ KONTOR_CONFIG_FILE: configFile({ registration: { passwordPolicy: policy } }) });
    expect(resolvePasswordPolicy(registration.passwordPolicy)).toEqual({ ...policy, rejectCommonPasswords: true });
  });

  it('checks new passwords against the common-password list by default, whichever preset', () => {
    for (const preset of ['', 'sachsen-anhalt', 'nrw', 'ihk']) {
      const { registration } = loadConfig(preset ? { KONTOR_PASSWORD_POLICY: preset } : {});
      expect(resolvePasswordPolicy(registration.passwordPolicy).rejectCommonPasswords).toBe(true);
    }
  });

  it('lets a policy object turn the common-password check off', () => {
    const policy = { minLength: 12, maxLength: 64, rejectCommonPasswords: false };
    const { registration } = loadConfig({ KONTOR_CONFIG_FILE: configFile({ registration: { passwordPolicy: policy } }) });
    expect(resolvePasswordPolicy(registration.passwordPolicy).rejectCommonPasswords).toBe(false);
  });

  it('lets a preset be refined: the check turned off, the other rules of the preset kept', () => {
    const { registration } = loadConfig({
      KONTOR_CONFIG_FILE: configFile({ registration: { passwordPolicy: { preset: 'nrw', rejectCommonPasswords: false } } }),
    });
    expect(resolvePasswordPolicy(registration.passwordPolicy)).toEqual({ ...PASSWORD_POLICY_PRESETS.nrw, rejectCommonPasswords: false });
  });

  it(`lets a policy raise the maximum length up to ${MAX_PASSWORD_LENGTH} characters, a preset's too`, () => {
    const refined = loadConfig({
      KONTOR_CONFIG_FILE: configFile({ registration: { passwordPolicy: { preset: 'sachsen-anhalt', maxLength: MAX_PASSWORD_LENGTH } } }),
    });
    expect(resolvePasswordPolicy(refined.registration.passwordPolicy)).toEqual({ ...PASSWORD_POLICY_PRESETS['sachsen-anhalt'], maxLength: 1024 });
    const own = loadConfig({ KONTOR_CONFIG_FILE: configFile({ registration: { passwordPolicy: { minLength: 15, maxLength: 1024 } } }) });
    expect(resolvePasswordPolicy(own.registration.passwordPolicy).maxLength).toBe(1024);
  });

  it('refuses a maximum length above the bound, or below the minimum length, with its place', () => {
    for (const passwordPolicy of [
      { minLength: 8, maxLength: 1025 },
      { preset: 'ihk', maxLength: 1025 },
    ]) {
      expect(problemsOf({ KONTOR_CONFIG_FILE: configFile({ registration: { passwordPolicy } }) }).join('\n')).toMatch(
        /^registration\.passwordPolicy\.maxLength: .*1024/m,
      );
    }
    for (const passwordPolicy of [
      { minLength: 20, maxLength: 16 },
      { preset: 'sachsen-anhalt', minLength: 41 },
    ]) {
      expect(problemsOf({ KONTOR_CONFIG_FILE: configFile({ registration: { passwordPolicy } }) })).toContain(
        `registration.passwordPolicy.maxLength: must not be less than minLength (${passwordPolicy.minLength})`,
      );
    }
  });

  it('refuses a refinement of an unknown preset and a non-boolean rejectCommonPasswords', () => {
    expect(problemsOf({ KONTOR_CONFIG_FILE: configFile({ registration: { passwordPolicy: { preset: 'bayern' } } }) }).join('\n')).toMatch(
      /^registration\.passwordPolicy/m,
    );
    expect(
      problemsOf({ KONTOR_CONFIG_FILE: configFile({ registration: { passwordPolicy: { preset: 'nrw', rejectCommonPasswords: 'no' } } }) }).join('\n'),
    ).toMatch(/^registration\.passwordPolicy/m);
  });

  it('refuses invalid profile fields and lists every problem with its place', () => {
    const problems = problemsOf({
      KONTOR_CONFIG_FILE: configFile({
        registration: {
          profileFields: [
            { name: 'gender', type: 'select', label },
            { name: 'postalCode', type: 'text', label, pattern: '[0-9{5' },
            { name: 'Birth-Year', type: 'integer', label },
          ],
        },
      }),
    });
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        'registration.profileFields.0.options: a select field needs options',
        'registration.profileFields.1.pattern: is not a valid regular expression',
        'registration.profileFields.2.name: must be camelCase letters and digits, starting with a lower-case letter',
      ]),
    );
  });

  it('refuses options on a field that is not a select, and an unknown field type', () => {
    const problems = problemsOf({
      KONTOR_CONFIG_FILE: configFile({
        registration: {
          profileFields: [
            { name: 'smoker', type: 'boolean', label, options: [{ value: 'yes', label }] },
            { name: 'birthday', type: 'date', label },
          ],
        },
      }),
    });
    expect(problems.join('\n')).toMatch(/^registration\.profileFields\.0\.options: only select fields have options$/m);
    expect(problems.join('\n')).toMatch(/^registration\.profileFields\.1\.type: /m);
  });

  it('refuses a configuration without any consent', () => {
    expect(problemsOf({ KONTOR_CONFIG_FILE: configFile({ registration: { consents: [] } }) }).join('\n')).toMatch(/^registration\.consents: /m);
  });
});
