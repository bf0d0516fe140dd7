/**
 * The legal forms an organisation can register with; each has a label `organisation.legal_form.<key>` in both
 * catalogues. German forms first (GmbH, UG, AG, KG, OHG, GbR, e.K., eG, e.V., Stiftung), then the public sector
 * and a catch-all.
 */
export const LEGAL_FORMS = [
  'gmbh',
  'ug',
  'ag',
  'kg',
  'gmbh_co_kg',
  'ohg',
  'gbr',
  'ek',
  'sole_trader',
  'eg',
  'ev',
  'foundation',
  'public_authority',
  'public_corporation',
  'other',
] as const;
export type LegalForm = (typeof LEGAL_FORMS)[number];
