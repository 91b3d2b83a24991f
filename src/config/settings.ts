import { availableParallelism } from 'node:os'
/** Datasette's settings, with their defaults; `-s settings.NAME value` and `settings:` set them. */
export const DEFAULT_SETTINGS = {
  default_page_size: 100,
  max_returned_rows: 1000,
  max_insert_rows: 100,
  // One SQL thread per core (Datasette's default is 3).
  num_sql_threads: availableParallelism(),
  sql_time_limit_ms: 1000,
  default_facet_size: 30,
  facet_time_limit_ms: 200,
  facet_suggest_time_limit_ms: 50,
  allow_facet: true,
  allow_download: true,
  allow_signed_tokens: true,
  default_allow_sql: true,
  max_signed_tokens_ttl: 0,
  suggest_facets: true,
  default_cache_ttl: 5,
  cache_size_kb: 0,
  allow_csv_stream: true,
  max_csv_mb: 100,
  truncate_cells_html: 2048,
  force_https_urls: false,
  template_debug: false,
  trace_debug: false,
  base_url: '/',
  // dataserve's own:
  /**
   * The origin clients reach this server at (`https://data.example.com`): every URL dataserve
   * writes (next_url, Link, redirects) starts with it instead of the request's Host header.
   */
  public_url: '',
  /**
   * CSV cells whose text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR
   * first) get a leading `'`: see docs/json-api.md for why this is on by default.
   */
  csv_escape_formulas: true,
  /**
   * `--lenient`: the config may name databases and tables that are not there (yet); they
   * are warned about instead of stopping startup.
   */
  lenient: false,
  /** Datasette's defaults: everyone may view everything and run SQL unless config says otherwise. */
  default_allow: false,
  /** `--root`: the actor {"id": "root"} may do everything, and a login URL is printed at startup. */
  root_enabled: false,
  /**
   * After this many failed credentials (any scheme) within the window, a client presenting
   * credentials gets 429 with Retry-After; 0 turns the limit off (load tests).
   */
  failed_credentials_limit: 20,
  failed_credentials_window_secs: 60,
  /**
   * Reverse proxies (addresses or CIDR ranges, comma-separated, or a YAML list) whose
   * Forwarded / X-Forwarded-For headers name the client; from anyone else they are ignored.
   */
  trusted_proxies: '',
} as const

export type Settings = { -readonly [K in keyof typeof DEFAULT_SETTINGS]: (typeof DEFAULT_SETTINGS)[K] extends boolean
  ? boolean
  : (typeof DEFAULT_SETTINGS)[K] extends number
    ? number
    : string }
