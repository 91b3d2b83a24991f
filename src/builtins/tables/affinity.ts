/** SQLite's column affinity from a declared type, by SQLite's own rules (section 3.1 of "Datatypes In SQLite"). */
export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC'

export function affinityOf(declared: string): Affinity {
  const type = declared.trim().toUpperCase()
  if (type === '') return 'BLOB'
  if (type.includes('INT')) return 'INTEGER'
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'TEXT'
  if (type.includes('BLOB')) return 'BLOB'
  if (type.includes('REAL') || type.includes('FLOA') || type.includes('DOUB')) return 'REAL'
  return 'NUMERIC'
}
