import type Provider from 'oidc-provider';

export interface InteractionOrigin {
  uid: string;
  clientId: string | null;
}

/**
 * The login interaction a page outside it (resend, forgotten password, a link from a mail) was reached
 * from, while it is still alive: where to send the person back to, and which portal they came from.
 */
export async function liveInteraction(provider: Provider, uid: string | null | undefined): Promise<InteractionOrigin | null> {
  if (!uid) return null;
  const interaction = await provider.Interaction.find(uid);
  if (!interaction) return null;
  const clientId = interaction.params.client_id;
  return { uid, clientId: typeof clientId === 'string' && clientId ? clientId : null };
}

/** A portal's way in for people whose login is gone: its login start (initiate_login_uri) or home page. */
export interface PortalLink {
  url: string;
  name: string;
}

/** The portal's link, or undefined when the client is unknown or registered neither URI. */
export async function portalOf(provider: Provider, clientId: string | null | undefined): Promise<PortalLink | undefined> {
  if (!clientId) return undefined;
  const client = await provider.Client.find(clientId);
  const url = (client?.initiateLoginUri ?? client?.clientUri) as string | undefined;
  return client && url ? { url, name: client.clientName ?? clientId } : undefined;
}
