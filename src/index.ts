/**
 * dataserve's public API: what plugins and embedding programs import from 'dataserve'.
 */
export { definePlugin, pluginDefiner, type Plugin, type PluginDefinition } from './define-plugin.ts'
export { hookspecs, type Hookspecs } from './hookspecs.ts'
export { PluginManager, type HookCallable, type PluginInfo, type PluginManagerOptions } from './hooks/manager.ts'
export { PluginValidationError } from './hooks/validate.ts'
export type {
  AnyHook,
  Awaitable,
  CallOutcome,
  FirstResultHook,
  HistoricHook,
  Hook,
  HookCallInfo,
  HookImpl,
  HookMonitor,
  ImplEntry,
  SpecOptions,
  SpecOptionsMap,
} from './hooks/types.ts'
export { Dataserve, type AllowedQuery } from './dataserve.ts'
export { BadRequestError, ForbiddenError, HttpError, NotFoundError, TokenInvalidError } from './errors.ts'
export { BadSignatureError } from './signing.ts'
export { TokenRestrictions, type RestrictionsJSON } from './token-restrictions.ts'
export { ConfigError } from './config/errors.ts'
export type { DataserveConfig, DatabaseConfig, TableConfig } from './config/load.ts'
export type { Settings } from './config/settings.ts'
export type { DatabaseHandle } from './databases.ts'
export type { Action, Actor, CreateTokenOptions, DataserveEnv, HttpMethod, Middleware, Resource, Route, TokenContext, TokenHandler } from './types.ts'
export { createDataserve, startServer, type RunningServer, type ServeOptions } from './server.ts'
