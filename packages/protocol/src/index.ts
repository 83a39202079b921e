export * from './errors.ts';
export * from './rooms.ts';
export * from './session.ts';
