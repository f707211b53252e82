/** The contract shared by engine, preload and renderer: types and zod schemas only. */
export * from './frame';
export * from './asset';
export * from './features';
export * from './events';
export * from './status';
export * from './api';
export * from './console';
export * from './incidents';
export * from './models';
export * from './live';
export * from './users';
