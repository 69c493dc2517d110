import Database from 'better-sqlite3';
import { STEMMER_DDL } from './schema';

/**
 * The stems the full-text index keeps for query words ("backups" → "backup"),
 * from SQLite's own porter tokenizer (the one the index uses), so a snippet
 * can mark "backup" for a search for "backups". One small in-memory table,
 * made on first use; the words are put in and read back inside a transaction
 * that is rolled back, so the table stays empty (deleting the row again
 * cost FTS5 a second tokenization and a segment per search).
 */
let stemmer: { begin: Database.Statement; rollback: Database.Statement; put: Database.Statement; terms: Database.Statement } | undefined;

export function stemsOf(words: readonly string[]): string[] {
  if (words.length === 0) return [];
  if (!stemmer) {
    const db = new Database(':memory:');
    db.exec(STEMMER_DDL);
    stemmer = {
      begin: db.prepare('BEGIN'),
      rollback: db.prepare('ROLLBACK'),
      put: db.prepare('INSERT INTO words (rowid, w) VALUES (1, ?)'),
      terms: db.prepare('SELECT DISTINCT term FROM words_terms').pluck(),
    };
  }
  stemmer.begin.run();
  try {
    stemmer.put.run(words.join(' '));
    return stemmer.terms.all() as string[];
  } finally {
    stemmer.rollback.run();
  }
}
