/** What the rest of the server knows of media: no Janus specifics leak past this interface. */
export interface MediaService {
  /** 'off' when the deployment runs without media (API-only). */
  readonly mode: 'janus' | 'off';
  /** True when at least one media server answers. */
  isReady(): boolean;
  /** Details for /ready and operators. */
  status(): { ready: boolean; servers: { url: string; ready: boolean }[] };
  close(): Promise<void>;
}

/** The media service of an API-only deployment (MEDIA=off): nothing to wait for. */
export function noMedia(): MediaService {
  return {
    mode: 'off',
    isReady: () => true,
    status: () => ({ ready: true, servers: [] }),
    close: async () => {},
  };
}
