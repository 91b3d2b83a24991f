/**
 * The plugin API: everything a plugin may import, as `import … from 'dataserve'`. The
 * built-in plugins import this module and their own files, nothing else (a test holds that
 * line), so a third party can write any of them. docs/plugins.md documents each export.
 *
 * Embedding programs start servers with `dataserve/server` (createDataserve, startServer).
 */

// Declaring plugins and hooks
export { definePlugin, pluginDefiner, type Plugin, type PluginDefinition } from './define-plugin.ts'
export { hookspecs, type Hookspecs } from './hookspecs.ts'
export { defineHookspecs } from './hooks/define-hookspecs.ts'
export { PluginManager, type HookCallable, type PluginInfo, type PluginManagerOptions } from './hooks/manager.ts'
export { PluginValidationError } from './hooks/validate.ts'
export { isPromiseLike } from './hooks/call-loop.ts'
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

// What hooks receive and return
export type { AllowedQuery, Dataserve } from './dataserve.ts'
export type {
  Action,
  Actor,
  CellRendering,
  Challenge,
  Command,
  CommandContext,
  CreateTokenOptions,
  DataserveEnv,
  HtmlTablePage,
  HtmlTableSummary,
  HtmlView,
  HttpMethod,
  MenuLink,
  Middleware,
  Readiness,
  Resource,
  Route,
  TokenContext,
  TokenHandler,
  TokenHandlerSupports,
} from './types.ts'
export type { DatabaseHandle } from './databases.ts'
export type { DataserveConfig, DatabaseConfig, TableConfig } from './config/load.ts'
export type { ConfigGeneration, ReloadOutcome, ReloadTrigger } from './config-generation.ts'
export type { Settings } from './config/settings.ts'
export type { ServeOptions } from './server.ts'
export { TokenRestrictions, type RestrictionsJSON } from './token-restrictions.ts'

// Errors
export { BadRequestError, errorBody, ForbiddenError, HttpError, NotFoundError, StartupError, TokenInvalidError, UsageError } from './errors.ts'
export { BadSignatureError } from './signing.ts'
export { ConfigError } from './config/errors.ts'
export { describeValue } from './config/schema.ts'
export { pluginBlock, type PluginBlock } from './config/plugin-block.ts'
export { SqlError, SqlTimeoutError, SqlUnavailableError, type BatchResult, type BatchStatement, type RowSet, type SqlResult } from './sql/pool.ts'
export type { ThreadTask } from './sql/threads.ts'
export type { SharedState } from './shared-state.ts'

// Helpers
export { isOff, isOn, jsonObjectBody, optionalSeconds, pageParams, positiveInt } from './request-input.ts'
export { secretEquals, sha256 } from './util/sha256.ts'
export { didYouMean, nearest } from './util/nearest.ts'
export { tildeDecode, tildeEncode } from './util/tilde.ts'
export { quoteIdentifier } from './util/sql.ts'
export { escapeHtml } from './util/escape-html.ts'
export { BoundedMap } from './util/bounded-map.ts'
export { pathFor, urlFor, type QueryChanges } from './urls.ts'
export { fileIdentity, prepareInternalDatabase, InternalDatabaseError } from './internal-database.ts'
export { configuredSecrets } from './signing-secrets.ts'
export { VERSION } from './version.ts'
