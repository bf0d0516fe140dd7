import type { ProfileField } from '../../config/registration.ts';
import { freeTextProblem } from './free-text.ts';

export type ProfileValue = string | number | boolean;

export interface ProfileParseResult {
  values: Record<string, ProfileValue>;
  /** Field name → translation key of the problem. */
  errors: Record<string, string>;
}

/**
 * Validates the deployment's extra profile fields (config registration.profileFields) from form input.
 * Empty optional fields are left out; values come back typed (integer → number, boolean → true/false).
 */
export function parseProfileFields(fields: ProfileField[], input: Record<string, unknown>, now = new Date()): ProfileParseResult {
  const values: Record<string, ProfileValue> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = input[field.name];
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') {
      if (field.required) errors[field.name] = field.type === 'boolean' || field.type === 'select' ? 'profile.choose' : 'profile.required';
      continue;
    }
    const problem = checkValue(field, text, now);
    if (problem) errors[field.name] = problem.error;
    else values[field.name] = convert(field, text);
  }
  return { values, errors };
}

function checkValue(field: ProfileField, text: string, now: Date): { error: string } | undefined {
  const max = field.max === 'currentYear' ? now.getFullYear() : field.max;
  switch (field.type) {
    case 'integer': {
      if (!/^-?\d{1,9}$/.test(text)) return { error: 'profile.integer' };
      const value = Number(text);
      if ((field.min !== undefined && value < field.min) || (max !== undefined && value > max)) return { error: 'profile.out_of_range' };
      return undefined;
    }
    case 'select':
      return field.options!.some((option) => option.value === text) ? undefined : { error: 'profile.choose' };
    case 'boolean':
      return text === 'yes' || text === 'no' ? undefined : { error: 'profile.choose' };
    case 'text': {
      const length = [...text].length;
      if (length > (max ?? 200) || (field.min !== undefined && length < field.min)) return { error: 'profile.length' };
      const problem = freeTextProblem(text);
      if (problem) return { error: problem };
      if (/[<>]/.test(text)) return { error: 'profile.characters' };
      if (field.pattern !== undefined && !new RegExp(`^(?:${field.pattern})$`, 'u').test(text)) return { error: 'profile.pattern' };
      return undefined;
    }
  }
}

function convert(field: ProfileField, text: string): ProfileValue {
  if (field.type === 'integer') return Number(text);
  if (field.type === 'boolean') return text === 'yes';
  return text;
}

/** A stored value back as form input (the "back" step refills the form). */
export function profileValueToInput(field: ProfileField, value: ProfileValue | undefined): string {
  if (value === undefined) return '';
  if (field.type === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}
