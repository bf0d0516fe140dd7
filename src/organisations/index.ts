import { OrganisationGroup, OrganisationGroupMember } from './group.entity.ts';
import { OrganisationInvitation } from './invitation.entity.ts';
import { OrganisationJoinRequest } from './join-request.entity.ts';
import { OrganisationMembership } from './membership.entity.ts';
import { OrganisationChoice } from './organisation-choice.entity.ts';
import { Organisation } from './organisation.entity.ts';
import { OrganisationRoleRequest } from './role-request.entity.ts';
import { OrganisationServiceAssignment, OrganisationSubscription } from './service.entity.ts';
import { OrganisationAccountRemoval } from './account-removal.ts';
import { AssignmentService } from './assignment.service.ts';
import { GroupService } from './group.service.ts';
import { InvitationService } from './invitation.service.ts';
import { JoinRequestService } from './join-request.service.ts';
import { MembershipService } from './membership.service.ts';
import { OrganisationAccess } from './organisation-access.ts';
import type { OrganisationDeps } from './organisation-deps.ts';
import { OrganisationService } from './organisation.service.ts';
import { RoleRequestService } from './role-request.service.ts';
import { SubscriptionService } from './subscription.service.ts';

export { OrganisationAccountRemoval, type AdminDuty } from './account-removal.ts';
export { AGE_OF_MAJORITY, isOfAge, localDate } from './age.ts';
export { AssignmentService, type AssignmentTarget, type AssignmentView } from './assignment.service.ts';
export { GroupService, type GroupView } from './group.service.ts';
export { InvitationService, type InvitationView, type PendingInvitation } from './invitation.service.ts';
export { JoinRequestService, type JoinData, type JoinRequestView } from './join-request.service.ts';
export { LEGAL_FORMS, type LegalForm } from './legal-forms.ts';
export { MEMBERSHIP_ROLES, type MembershipRole } from './membership.entity.ts';
export { MembershipService, type MemberView } from './membership.service.ts';
export { OrganisationAccess, type AccessDecision, type LoginOrganisation, type OrganisationOfPerson } from './organisation-access.ts';
export type { Actor, OrganisationDeps, Person, PersonDirectory } from './organisation-deps.ts';
export { checkOrganisation, OrganisationInputError, type OrganisationData, type OrganisationInput } from './organisation-rules.ts';
export { OrganisationService, type OrganisationOverview, type OrganisationView } from './organisation.service.ts';
export { RoleRequestService, type OwnRoleRequestView, type RoleRequestView } from './role-request.service.ts';
export { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from './service.entity.ts';
export { SubscriptionService, type SubscriptionListing, type SubscriptionView } from './subscription.service.ts';

/** The organisations domain's services, built once in src/container.ts. */
export interface Organisations {
  /** Register, read, change, delete; the admins-may-use-services switch. */
  organisations: OrganisationService;
  /** Members and admins: list, leave, remove, promote, demote (the last admin stays). */
  members: MembershipService;
  invitations: InvitationService;
  joinRequests: JoinRequestService;
  groups: GroupService;
  subscriptions: SubscriptionService;
  /** Services and roles given to members and groups. */
  assignments: AssignmentService;
  roleRequests: RoleRequestService;
  /** The login's chooser and access rule, the remembered choice, the claims contributor. */
  access: OrganisationAccess;
  /** The organisations' step of an account's deletion: who must first name another admin, and forgetting the person. */
  accountRemoval: OrganisationAccountRemoval;
}

export function createOrganisations(deps: OrganisationDeps): Organisations {
  return {
    organisations: new OrganisationService(deps),
    members: new MembershipService(deps),
    invitations: new InvitationService(deps),
    joinRequests: new JoinRequestService(deps),
    groups: new GroupService(deps),
    subscriptions: new SubscriptionService(deps),
    assignments: new AssignmentService(deps),
    roleRequests: new RoleRequestService(deps),
    access: new OrganisationAccess(deps),
    accountRemoval: new OrganisationAccountRemoval(deps),
  };
}

/** The tables this domain owns; the ORM configuration (config/mikro-orm.ts) collects every domain's list. */
export const entities = [
  Organisation,
  OrganisationMembership,
  OrganisationInvitation,
  OrganisationJoinRequest,
  OrganisationGroup,
  OrganisationGroupMember,
  OrganisationSubscription,
  OrganisationServiceAssignment,
  OrganisationRoleRequest,
  OrganisationChoice,
];
