/** The link guests open; the server's SPA fallback serves the landing page for it. */
export function inviteLink(code: string): string {
  return `${window.location.origin}/invite/${code}`;
}
