// A real SQLite file with the shapes the table API must handle, and servers over it.
import { join } from 'node:path'
import { definePlugin } from '../../src/define-plugin.ts'
import type { ServeOptions } from '../../src/server.ts'
import { makeDb, serve, tempDir } from '../helpers.ts'

export const allowAll = definePlugin({ name: 'allow-all', hooks: { permissionAllowed: () => true } })

export const FIXTURE_SQL = `
create table items (
  id integer primary key,
  name text not null,
  price real,
  category text,
  tags text,
  created text,
  note text,
  data blob
);
insert into items values
  (1, 'apple', 1.5, 'fruit', '["red","sweet"]', '2024-01-05 10:00:00', null, null),
  (2, 'banana', 0.25, 'fruit', '["yellow"]', '2024-01-06 11:00:00', '', null),
  (3, 'carrot', 3.0, 'vegetable', '[]', '2024-02-01 09:30:00', 'orange, crunchy', x'00ff10'),
  (4, 'daikon', null, 'vegetable', '["white","long"]', '2024-02-01 18:00:00', 'said "hi"', null),
  (5, 'eggplant', 2.0, null, '["purple"]', '2024-03-10 08:00:00', 'line1
line2', null),
  (6, 'fig', 4.75, 'fruit', '["purple","sweet"]', '2024-03-11 12:00:00', 'ünïcödé ✓', null),
  (7, 'grape,seedless', 2.5, 'fruit', null, null, null, null);

create table compound (a text, b integer, value text, primary key (a, b));
insert into compound values ('x', 1, 'x1'), ('x', 2, 'x2'), ('y', 1, 'y1'), ('a,b', 3, 'comma'), ('y', 10, 'y10');

create table no_pk (name text, n integer);
insert into no_pk values ('one', 1), ('two', 2), ('three', 3);

create table untyped (k, v);
insert into untyped values (1, 'a'), (2, 'b'), (10, 'c'), (11, 'd');

create table "my table/x" (id integer primary key, label text);
insert into "my table/x" values (1, 'weird'), (2, 'name');

create table "dots.and.stuff" (id integer primary key, v text);
insert into "dots.and.stuff" values (1, 'dotted');

create view fruit as select id, name, price from items where category = 'fruit';

create virtual table items_fts using fts5(name, note, content="items", content_rowid="id");
insert into items_fts (rowid, name, note) select id, name, note from items;

create table docs (id integer primary key, title text, body text);
insert into docs values (1, 'Ship it', 'the quick brown fox'), (2, 'Hold on', 'a lazy dog sleeps'), (3, 'Foxes', 'brown foxes everywhere');
create virtual table docs_fts using fts4(title, body, content="docs");
insert into docs_fts (docid, title, body) select id, title, body from docs;
`

export function fixtureDb(name = 'fixtures'): string {
  return makeDb(join(tempDir(), `${name}.db`), FIXTURE_SQL)
}

/** A server over a fresh copy of the fixtures, everyone allowed (permissions are tested elsewhere). */
export function serveFixtures(options: ServeOptions = {}) {
  return serve({ databases: [{ path: fixtureDb() }], ...options, plugins: [allowAll, ...(options.plugins ?? [])] })
}
