import Database from 'better-sqlite3';
import { STEMMER_DDL } from './schema';

/**
 * The stems the full-text index keeps for query words ("backups" → "backup"),
 * from SQLite's own porter tokenizer (the one the index uses), so a snippet
 * can mark "backup" for a search for "backups". One small in-memory table,
 * made on first use.
 */
let stemmer: { clear: Database.Statement; put: Database.Statement; terms: Database.Statement } | undefined;

export function stemsOf(words: readonly string[]): string[] {
  if (words.length === 0) return [];
  if (!stemmer) {
    const db = new Database(':memory:');
    db.exec(STEMMER_DDL);
    stemmer = {
      clear: db.prepare('DELETE FROM words'),
      put: db.prepare('INSERT INTO words (rowid, w) VALUES (1, ?)'),
      terms: db.prepare('SELECT DISTINCT term FROM words_terms').pluck(),
    };
  }
  stemmer.clear.run();
  stemmer.put.run(words.join(' '));
  return stemmer.terms.all() as string[];
}
