import type { z } from 'zod';
import type { Translate } from '../i18n/index.ts';

/** Parses untrusted input at the edge; field errors come back keyed by field (message codes) for re-rendering forms. */
export function parseForm<T extends z.ZodType>(schema: T, input: unknown): { ok: true; data: z.infer<T> } | { ok: false; fieldErrors: Record<string, string> } {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, data: parsed.data };
  const fieldErrors: Record<string, string> = {};
  for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0] ?? 'form')] ??= issue.message;
  return { ok: false, fieldErrors };
}

/** A form field as the error summary and its messages need it. */
export interface FormField {
  /** The input's name (the key of its error). */
  name: string;
  /** The input's id, the summary's link target; defaults to the name. */
  id?: string;
  /** The field's visible label, for messages that name it ("„Geburtsjahr“ …"). */
  label?: string;
}

/**
 * The message for one field and reason, naming the field (WCAG 3.3.1/3.3.3, GOV.UK: "Geben Sie Ihren
 * Vornamen ein.", never a generic "Bitte füllen Sie dieses Feld aus."): the catalogue's `<code>.<field>`
 * where a field has its own wording, else `<code>` with the field's label as `{label}`.
 */
export function fieldMessage(t: Translate, field: FormField, code: string): string {
  const own = `${code}.${field.name}`;
  return t.has(own) ? t(own) : t(code, { label: field.label ?? field.name });
}

/** Message codes by field → message texts by field. */
export function fieldMessages(t: Translate, fields: readonly FormField[], codes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(codes).map(([name, code]) => [name, fieldMessage(t, fields.find((field) => field.name === name) ?? { name }, code)]),
  );
}

export interface ErrorSummaryEntry {
  /** Id of the input the entry links to; none for errors of the whole form. */
  field?: string;
  text: string;
}

/**
 * Errors (texts by field) as the list of the error summary partial, in the fields' order, each linking to
 * its input. A model with a non-empty `errorList` also gets "Fehler: " in its page title (views.ts).
 */
export function errorSummary(errors: Record<string, string | undefined>, fields: readonly FormField[]): ErrorSummaryEntry[] {
  return fields.filter((field) => errors[field.name]).map((field) => ({ field: field.id ?? field.name, text: errors[field.name]! }));
}
