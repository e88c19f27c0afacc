/**
 * A nullable number column as both backends return it: SQLite gives a number, `pg` gives a bigint
 * as text; NULL (or a missing column) stays null.
 */
export const numberOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
