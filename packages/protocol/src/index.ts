export * from './control.ts';
export * from './errors.ts';
export * from './rooms.ts';
export * from './session.ts';
export * from './signaling.ts';
export * from './media.ts';
export * from './chat.ts';
export * from './hands.ts';
