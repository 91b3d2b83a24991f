// Builds demo/demo.db, the database the README's first command serves.
// Run: node --import tsx demo/build-demo-db.ts
import Database from 'better-sqlite3'
import { rmSync } from 'node:fs'

const path = new URL('./demo.db', import.meta.url).pathname
rmSync(path, { force: true })
const db = new Database(path)
db.exec(`
  create table cities (id integer primary key, name text not null, country text not null, population integer);
  create table museums (
    id integer primary key,
    name text not null,
    city_id integer references cities(id),
    founded integer,
    visitors_2023 integer,
    free_entry integer not null default 0
  );
  create index museums_city on museums(city_id);
`)
const cities = [
  [1, 'London', 'United Kingdom', 8866180],
  [2, 'Paris', 'France', 2102650],
  [3, 'Amsterdam', 'Netherlands', 931298],
  [4, 'Madrid', 'Spain', 3332035],
  [5, 'Berlin', 'Germany', 3755251],
] as const
const museums = [
  [1, 'British Museum', 1, 1753, 5820860, 1],
  [2, 'Natural History Museum', 1, 1881, 5700000, 1],
  [3, 'Tate Modern', 1, 2000, 4700000, 1],
  [4, 'Louvre', 2, 1793, 8900000, 0],
  [5, "Musée d'Orsay", 2, 1986, 3900000, 0],
  [6, 'Centre Pompidou', 2, 1977, 2700000, 0],
  [7, 'Rijksmuseum', 3, 1800, 2700000, 0],
  [8, 'Van Gogh Museum', 3, 1973, 2000000, 0],
  [9, 'Museo del Prado', 4, 1819, 3200000, 0],
  [10, 'Museo Reina Sofía', 4, 1992, 2700000, 0],
  [11, 'Pergamonmuseum', 5, 1930, null, 0],
  [12, 'Neues Museum', 5, 1855, 700000, 0],
] as const
const insertCity = db.prepare('insert into cities values (?, ?, ?, ?)')
const insertMuseum = db.prepare('insert into museums values (?, ?, ?, ?, ?, ?)')
db.transaction(() => {
  for (const row of cities) insertCity.run(...row)
  for (const row of museums) insertMuseum.run(...row)
})()
db.close()
console.log(`wrote ${path}`)
