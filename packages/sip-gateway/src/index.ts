export { loadConfig, ConfigError, type GatewayConfig } from './config.ts';
export { SipGateway, type MeetingCall, type CallEvent, type GatewayHooks, type HangupReason } from './gateway.ts';
export type { MeetingEvent } from './ivr/ivr.ts';
export { PromptLibrary, ensurePrompts, PROMPT_TEXTS, type PromptName, type Language } from './ivr/prompts.ts';
export { HttpPlenumLink, type PlenumLink, type PlenumSession, type AuthorizeRequest, type AuthorizeResult } from './plenum.ts';
export { startRelay, type RelayTarget, type RtpRelay } from './rtp/relay.ts';
