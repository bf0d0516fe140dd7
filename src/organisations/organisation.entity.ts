import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { LEGAL_FORMS } from './legal-forms.ts';

export const ORGANISATION_STATUSES = ['active'] as const;

/**
 * A company, authority or other organisation ("Servicekonto Business", seed 001). `nameKey` is the name as
 * join requests compare it (whitespace collapsed, lower-cased). The PO box, when given, is the preferred
 * postal address (seed 001: "wird als bevorzugte Postzustelladresse gespeichert"). `adminsMayUseServices`:
 * an admin is not a user of any service unless this is on (seed 001, seed 002).
 */
export const OrganisationSchema = defineEntity({
  name: 'Organisation',
  tableName: 'organisation',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    name: p.string().length(40),
    nameKey: p.string().length(40).index(),
    legalForm: p.enum(LEGAL_FORMS),
    registerCourt: p.string().length(100).nullable(),
    registerNumber: p.string().length(30).nullable(),
    street: p.string().length(100),
    houseNumber: p.string().length(11),
    postalCode: p.string().length(10),
    city: p.string().length(100),
    /** ISO 3166-1 alpha-2. */
    country: p.string().length(2),
    poBox: p.string().length(20).nullable(),
    postalAddress: p.enum(['street', 'po_box'] as const),
    contactEmail: p.string().length(254),
    adminsMayUseServices: p.boolean().default(false),
    status: p.enum(ORGANISATION_STATUSES).default('active'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class Organisation extends OrganisationSchema.class {}
OrganisationSchema.setClass(Organisation);
