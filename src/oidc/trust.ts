/** acr values Kontor emits (BSI TR-03107-1 / TR-03130 vocabulary); see docs TRUST-AND-CLAIMS. */
export const ACR = {
  normal: 'http://bsi.bund.de/eID/LoA/normal',
  substantiell: 'http://bsi.bund.de/eID/LoA/substantiell',
  hoch: 'http://bsi.bund.de/eID/LoA/hoch',
} as const;

export const LEVEL_TO_ACR = { niedrig: ACR.normal, substanziell: ACR.substantiell, hoch: ACR.hoch } as const;

/** Advertised in discovery; comparison by ordinal and the eIDAS/STORK vocabularies come with the trust issue. */
export const ACR_VALUES_SUPPORTED = [ACR.normal, ACR.substantiell, ACR.hoch];
